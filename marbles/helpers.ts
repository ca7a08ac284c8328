import { filter, map, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import { taskableOperation, type ExecutionEvent, type Task } from 'mazepa';

/** A TestScheduler that compares with vitest's deep equality. */
export function createTestScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** An operation whose tasks are told apart by a label; their work comes from the marble queue. */
export const step = taskableOperation(function marbleStep(_label: string) {});

/** The label a task of {@link step} was made with. */
export const labelOf = (task: Task): string => String(task.args[0]);

/** The labels of task ids, given the tasks they may belong to. */
export function labels(ids: readonly string[], tasks: readonly Task[]): string[] {
  const byId = new Map(tasks.map((t) => [t.id, labelOf(t)]));
  return ids.map((id) => byId.get(id) ?? id);
}

/**
 * One letter per task event: the label in upper case when submitted, in lower case when it
 * succeeded, `!` when it failed; other events are dropped.
 */
export function taskLetters(tasks: readonly Task[]) {
  const byId = new Map(tasks.map((t) => [t.id, labelOf(t)]));
  return (events: Observable<ExecutionEvent>): Observable<string> =>
    events.pipe(
      map((e) => {
        if (e.type === 'task_submitted') return byId.get(e.taskId)!.toUpperCase();
        if (e.type === 'task_succeeded') return byId.get(e.taskId)!.toLowerCase();
        if (e.type === 'task_failed') return '!';
        return '';
      }),
      filter((letter) => letter !== ''),
    );
}

/** One letter per event type: x started, s submitted, k succeeded, f flow completed, c completed. */
export function typeLetters(events: Observable<ExecutionEvent>): Observable<string> {
  const letters: Partial<Record<ExecutionEvent['type'], string>> = {
    execution_started: 'x',
    task_submitted: 's',
    task_succeeded: 'k',
    task_failed: '!',
    task_retried: 'r',
    flow_completed: 'f',
    execution_completed: 'c',
  };
  return events.pipe(map((e) => letters[e.type] ?? '?'));
}
