import { describe, expect, it } from 'vitest';
import { map, type SchedulerLike } from 'rxjs';
import { TransientError, flowSchema, taskableOperation } from 'mazepa';
import { serializeError } from '../src/flows/serialized-error.js';
import type { OutcomeReport } from '../src/streams/execution-queue.js';
import { createFlowNode, createTaskNode, type TaskNode } from '../src/streams/engine/graph/nodes.js';
import { taskBackoffMs } from '../src/streams/engine/retry-policy.js';
import { retryStage } from '../src/streams/engine/retry-stage.js';
import { createStats } from '../src/streams/engine/stats.js';
import { createTestScheduler } from './helpers.js';

const op = taskableOperation(function retried(_label: string) {}, { maxRetry: 0 });
const owner = createFlowNode(flowSchema(function* owner() {})(), undefined);
const ok = { returnValue: 1, executionSecs: 0 };
const transient = { error: serializeError(new TransientError('429')), executionSecs: 0 };
const fatal = { error: serializeError(new Error('bad')), executionSecs: 0 };

/** Task nodes a, b, c and a retry stage over them that records what goes back to the sink, and when. */
function setup(scheduler: SchedulerLike) {
  const [a, b, c] = ['a', 'b', 'c'].map((label) => createTaskNode(op.makeTask(label), owner)) as [
    TaskNode,
    TaskNode,
    TaskNode,
  ];
  const resubmitted: [string, number, number][] = [];
  const events: string[] = [];
  const pending = { count: 0 }; // retries waiting for their delay, as the graph counts them
  const operator = retryStage({
    executionId: 'e',
    isTransient: undefined,
    scheduler,
    stats: createStats(),
    emit: (event) => events.push(event.type),
    taskEvents: true,
    graph: {
      task: (id) => [a, b, c].find((node) => node.id === id),
      taskRetrying: (node) => {
        node.state = 'retrying';
        pending.count++;
      },
      taskRetried: (node) => {
        node.task.attempt++;
        node.state = 'queued';
        pending.count--;
      },
    },
    requeue: { next: (node) => resubmitted.push([String(node.task.args[0]), node.task.attempt, scheduler.now()]) },
  });
  const letter = map((completion: { node: TaskNode; error: Error | undefined }) =>
    completion.error === undefined ? String(completion.node.task.args[0]) : 'x',
  );
  return { a, b, c, operator, letter, resubmitted, events, pending };
}

describe('the retry stage (outcome stream in, completion stream out)', () => {
  it('passes successes and final failures on in the same frame, and sends a transient failure back after its backoff', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, flush }) => {
      const { a, b, c, operator, letter, resubmitted, events, pending } = setup(scheduler);
      const reports: Record<string, OutcomeReport> = {
        a: { taskId: a.id, outcome: ok },
        b: { taskId: b.id, outcome: transient, attempt: 1 },
        c: { taskId: c.id, outcome: fatal },
        d: { taskId: b.id, outcome: ok }, // b waits for its retry: a late outcome is dropped
      };
      expectObservable(cold('a-b-c-d', reports).pipe(operator, letter)).toBe('a---x');
      flush();
      expect(resubmitted).toEqual([['b', 2, 2 + taskBackoffMs(b.id, 1)]]);
      expect(pending.count).toBe(0);
      expect(events).toEqual(['task_succeeded', 'task_retried', 'task_failed']);
    });
  });

  it('drops an outcome of an older attempt, and stops its timers when unsubscribed', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, flush }) => {
      const { b, operator, letter, resubmitted, pending } = setup(scheduler);
      b.task.attempt = 3;
      const reports: Record<string, OutcomeReport> = {
        o: { taskId: b.id, outcome: fatal, attempt: 2 },
        t: { taskId: b.id, outcome: transient, attempt: 3 },
      };
      expectObservable(cold('o-t', reports).pipe(operator, letter), '^--!').toBe('---');
      flush();
      expect(resubmitted).toEqual([]);
      expect(pending.count).toBe(1); // its timer stopped: it never went back
    });
  });
});
