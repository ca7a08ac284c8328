import { describe, expect, it } from 'vitest';
import { asyncScheduler } from 'rxjs';
import {
  LocalExecutionQueue,
  MazepaExecutionFailure,
  TRANSIENT_RETRY_LIMIT,
  TransientError,
  execution,
  flowSchema,
  taskContext,
  taskableOperation,
  type ExecutionEvent,
} from 'mazepa';
import { MarbleExecutionQueue } from 'mazepa/testing';
import { createTestScheduler } from './helpers.js';

const quiet = { showProgress: false } as const;

function log(events: ExecutionEvent[]): (string | number)[][] {
  return events
    .filter((e) => e.type.startsWith('task_'))
    .map((e) => {
      const attempt = 'attempt' in e ? e.attempt : 0;
      return e.type === 'task_retried' ? [e.type, attempt, e.delayMs] : [e.type, attempt];
    });
}

describe('retries (marbles)', () => {
  it('should retry a transient error with backoff on the scheduler, starting within a second', () => {
    createTestScheduler().run(({ cold, flush }) => {
      const flaky = taskableOperation(function flakyRead(_key: string) {});
      const task = flaky.makeTask('k');
      const queue = new MarbleExecutionQueue({
        work: (t) =>
          t.attempt < 3 ? cold('3ms #', undefined, new TransientError('429')) : cold('3ms (x|)', { x: 'ok' }),
      });
      const frames: [string, number, number][] = [];
      const events: ExecutionEvent[] = [];
      execution(task, { ...quiet, queue }).subscribe((e) => {
        events.push(e);
        if (e.type.startsWith('task_')) frames.push([e.type, 'attempt' in e ? e.attempt : 0, asyncScheduler.now()]);
      });
      flush();
      const retries = events.filter((e) => e.type === 'task_retried') as Extract<
        ExecutionEvent,
        { type: 'task_retried' }
      >[];
      expect(retries).toHaveLength(2);
      const [d1, d2] = retries.map((r) => r.delayMs) as [number, number];
      expect(d1).toBeGreaterThanOrEqual(375);
      expect(d1).toBeLessThanOrEqual(625);
      expect(d2).toBeGreaterThanOrEqual(750);
      expect(d2).toBeLessThanOrEqual(1250);
      expect(frames).toEqual([
        ['task_submitted', 1, 0],
        ['task_retried', 1, 3],
        ['task_submitted', 2, 3 + d1],
        ['task_retried', 2, 6 + d1],
        ['task_submitted', 3, 6 + d1 + d2],
        ['task_succeeded', 0, 9 + d1 + d2],
      ]);
      expect(task.outcome?.returnValue).toBe('ok');
    });
  });

  it('should retry an ordinary error maxRetry times, then fail the execution with its cause', () => {
    createTestScheduler().run(({ cold, flush }) => {
      const op = taskableOperation(function twiceRetried(_x: number) {}, { maxRetry: 2 });
      const boom = new RangeError('bad input');
      const queue = new MarbleExecutionQueue({ work: () => cold('1ms #', undefined, boom) });
      const events: ExecutionEvent[] = [];
      let failure: unknown;
      execution(op.makeTask(1), { ...quiet, queue }).subscribe({
        next: (e) => events.push(e),
        error: (e) => (failure = e),
      });
      flush();
      expect(log(events).map((l) => l.slice(0, 2))).toEqual([
        ['task_submitted', 1],
        ['task_retried', 1],
        ['task_submitted', 2],
        ['task_retried', 2],
        ['task_submitted', 3],
        ['task_failed', 3],
      ]);
      expect(failure).toBeInstanceOf(MazepaExecutionFailure);
      expect((failure as Error).cause).toBe(boom);
    });
  });

  it('should not retry an ordinary error with the default maxRetry of 0', () => {
    createTestScheduler().run(({ cold, flush }) => {
      const op = taskableOperation(function neverRetried(_x: number) {});
      const queue = new MarbleExecutionQueue({ work: () => cold('1ms #', undefined, new Error('final')) });
      const events: ExecutionEvent[] = [];
      execution(op.makeTask(1), { ...quiet, queue }).subscribe({ next: (e) => events.push(e), error: () => {} });
      flush();
      expect(log(events)).toEqual([
        ['task_submitted', 1],
        ['task_failed', 1],
      ]);
    });
  });

  it('should treat errors accepted by isTransient as transient', () => {
    createTestScheduler().run(({ cold, flush }) => {
      const op = taskableOperation(function customTransient(_x: number) {});
      const queue = new MarbleExecutionQueue({
        work: (t) => (t.attempt === 1 ? cold('1ms #', undefined, new Error('connection reset')) : cold('1ms x|')),
      });
      const events: ExecutionEvent[] = [];
      execution(op.makeTask(1), {
        ...quiet,
        queue,
        isTransient: (e) => e.message.includes('connection reset'),
      }).subscribe((e) => events.push(e));
      flush();
      expect(log(events).map((l) => l[0])).toEqual([
        'task_submitted',
        'task_retried',
        'task_submitted',
        'task_succeeded',
      ]);
    });
  });
});

describe('the transient-retry limit (marbles)', () => {
  /** Attempt numbers of the submissions, and the attempt that failed, of a task whose every attempt fails with `error`. */
  function attempts(maxRetry: number | undefined, error: () => Error): { submitted: number[]; failed: number[] } {
    const submitted: number[] = [];
    const failed: number[] = [];
    createTestScheduler().run(({ cold, flush }) => {
      const op = taskableOperation(function alwaysFailing(_x: number) {}, {
        operationName: `alwaysFailing${++operations}`,
        ...(maxRetry === undefined ? {} : { maxRetry }),
      });
      const queue = new MarbleExecutionQueue({ work: () => cold('1ms #', undefined, error()) });
      execution(op.makeTask(1), { ...quiet, queue }).subscribe({
        next: (e) => {
          if (e.type === 'task_submitted') submitted.push(e.attempt);
          if (e.type === 'task_failed') failed.push(e.attempt);
        },
        error: () => {},
      });
      flush();
    });
    return { submitted, failed };
  }
  let operations = 0;
  const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

  it('should be exported as 40', () => {
    expect(TRANSIENT_RETRY_LIMIT).toBe(40);
  });

  it('should retry a TransientError exactly 40 times (41 attempts), then fail the task', () => {
    expect(attempts(undefined, () => new TransientError('503'))).toEqual({ submitted: range(41), failed: [41] });
  });

  it('should give a timeout the same 40 retries', () => {
    const timeout = () => Object.assign(new Error('too slow'), { name: 'MazepaTimeoutError' });
    expect(attempts(undefined, timeout)).toEqual({ submitted: range(41), failed: [41] });
  });

  it("should let an operation's larger maxRetry raise the limit for transient errors", () => {
    expect(attempts(45, () => new TransientError('503'))).toEqual({ submitted: range(46), failed: [46] });
  });

  it('should not apply the limit to ordinary errors', () => {
    expect(attempts(3, () => new Error('bad'))).toEqual({ submitted: range(4), failed: [4] });
  });
});

describe('runtime limits (marbles)', () => {
  it('should time out an attempt at runtimeLimitMs, fire its signal, and retry it', () => {
    createTestScheduler().run(({ flush }) => {
      const signals: AbortSignal[] = [];
      const stuck = taskableOperation(
        function stuckUntilThird(): string | Promise<string> {
          const context = taskContext()!;
          if (context.attempt >= 3) return 'finally';
          signals.push(context.signal);
          return new Promise<string>(() => {});
        },
        { runtimeLimitMs: 100 },
      );
      const task = stuck.makeTask();
      const queue = new LocalExecutionQueue({ scheduler: asyncScheduler });
      const frames: [string, number][] = [];
      const delays: number[] = [];
      const flow = flowSchema(function* waitsForStuck() {
        const value = yield* task.result();
        frames.push([`flow got ${value}`, asyncScheduler.now()]);
      });
      execution(flow(), { ...quiet, queue }).subscribe((e) => {
        if (e.type === 'task_retried') {
          delays.push(e.delayMs);
          expect(e.error.name).toBe('MazepaTimeoutError');
          expect(e.error.message).toContain('runtime limit of 100 ms');
        }
        if (e.type.startsWith('task_')) frames.push([e.type, asyncScheduler.now()]);
      });
      flush();
      const [d1, d2] = delays as [number, number];
      expect(frames).toEqual([
        ['task_submitted', 0],
        ['task_retried', 100],
        ['task_submitted', 100 + d1],
        ['task_retried', 200 + d1],
        ['task_submitted', 200 + d1 + d2],
        ['task_succeeded', 200 + d1 + d2],
        ['flow got finally', 200 + d1 + d2],
      ]);
      expect(signals).toHaveLength(2);
      expect(signals.every((s) => s.aborted && (s.reason as Error).name === 'MazepaTimeoutError')).toBe(true);
    });
  });
});
