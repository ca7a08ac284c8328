import type { Task, TaskOutcome } from '../../../flows/task.js';
import { isTaskNode, type TaskNode } from './nodes.js';

/** What the table holds for a done task that returned `undefined`. */
const NOTHING: unknown = Object.freeze({ nothing: true });

/**
 * Every task id of an execution: its {@link TaskNode} while it is not done, then only its return
 * value. One map, so that a task costs one insert and one update: at 10^6 tasks this table is
 * most of the engine's memory and much of its time. Shared by the stages. @internal
 */
export interface TaskTable {
  /** The node of a task that is not done, the stored value of a done one, or `undefined`. */
  get(id: string): TaskNode | unknown;
  /** The node of a task that is not done. */
  node(id: string): TaskNode | undefined;
  /** A task starts. */
  add(node: TaskNode): void;
  /** A task is done (skipped from a checkpoint, or completed): its value stays, its node goes. */
  done(id: string, outcome: TaskOutcome, error: Error | undefined): void;
  /** The error of a task that failed for good. */
  failure(id: string): Error | undefined;
  /** Gives a task object the outcome of the done task with its id (`stored` from {@link TaskTable.get}). */
  copyDone(task: Task, id: string, stored: unknown): void;
}

/** Makes an empty table. @internal */
export function createTaskTable(): TaskTable {
  const values = new Map<string, unknown>();
  const failures = new Map<string, { readonly error: Error; readonly outcome: TaskOutcome }>();
  return {
    get: (id) => values.get(id),
    node(id) {
      const entry = values.get(id);
      return isTaskNode(entry) ? entry : undefined;
    },
    add(node) {
      values.set(node.id, node);
    },
    done(id, outcome, error) {
      values.set(id, outcome.returnValue === undefined ? NOTHING : outcome.returnValue);
      if (error !== undefined) failures.set(id, { error, outcome });
    },
    failure: (id) => failures.get(id)?.error,
    copyDone(task, id, stored) {
      const failure = failures.get(id);
      if (failure !== undefined) return copyOutcome(task, failure.outcome, failure.error);
      copyOutcome(task, { returnValue: stored === NOTHING ? undefined : stored, executionSecs: 0 }, undefined);
    },
  };
}

/** Gives a task object an outcome. @internal */
export function copyOutcome(task: Task, outcome: TaskOutcome, failed: Error | undefined): void {
  task.outcome = outcome;
  task.status = failed === undefined ? 'succeeded' : 'failed';
}
