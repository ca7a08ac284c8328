import { describe, expect, it } from 'vitest';
import { DashboardState, LIMITS } from '../src/dashboard/dashboard-state.js';
import { RingBuffer } from '../src/dashboard/ring-buffer.js';
import type { ExecutionEvent } from '../src/streams/execution-event.js';

const task = (type: 'task_submitted' | 'task_succeeded', op: string, id: string): ExecutionEvent =>
  type === 'task_submitted'
    ? { type, executionId: 'e', taskId: id, operationName: op, attempt: 1 }
    : { type, executionId: 'e', taskId: id, operationName: op, outcome: { executionSecs: 0 } };
const failed = (op: string, id: string, name: string, message: string, stack?: string): ExecutionEvent => ({
  type: 'task_failed',
  executionId: 'e',
  taskId: id,
  operationName: op,
  attempt: 1,
  error: { name, message, ...(stack === undefined ? {} : { stack }) },
});

describe('RingBuffer', () => {
  it('keeps the last `capacity` items, oldest first, and what came since a push index', () => {
    const ring = new RingBuffer(3);
    for (const n of [1, 2, 3, 4, 5]) ring.push(n);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    expect(ring.length).toBe(3);
    expect(ring.pushed).toBe(5);
    expect(ring.toArray(4)).toEqual([5]);
    expect(ring.toArray(1)).toEqual([3, 4, 5]); // older ones are gone
  });

  it('refuses a capacity that is not a whole number >= 1', () => {
    expect(() => new RingBuffer(0)).toThrow(TypeError);
  });
});

describe('DashboardState', () => {
  it('counts per operation and in total, in flight being submitted and not done', () => {
    let now = 1_000_000;
    const state = new DashboardState(() => now);
    state.add({ type: 'execution_started', executionId: 'e', queue: 'local' });
    for (let i = 0; i < 5; i++) state.add(task('task_submitted', 'a', `a${i}`));
    for (let i = 0; i < 3; i++) state.add(task('task_succeeded', 'a', `a${i}`));
    state.add(task('task_submitted', 'b', 'b0'));
    state.add(failed('b', 'b0', 'Error', 'boom'));
    now += 1000;
    state.tick();
    const frame = state.frame(true);
    expect(frame.header).toMatchObject({ submitted: 6, succeeded: 3, failed: 1, inFlight: 2, status: 'running' });
    expect(frame.operations.find((o) => o.name === 'a')).toMatchObject({ submitted: 5, succeeded: 3, inFlight: 2 });
    expect(frame.seconds.done).toEqual([4]);
    expect(frame.seconds.failed).toEqual([1]);
    expect(frame.header.ratePerSec).toBe(4);
  });

  it('groups failures by operation, error name and first line, keeping the first stack', () => {
    let now = 0;
    const state = new DashboardState(() => now);
    state.add(failed('op', 't1', 'TypeError', 'bad input 1\ndetail', 'TypeError: bad input 1\n  at first'));
    now = 5;
    state.add(failed('op', 't2', 'TypeError', 'bad input 1\nother detail', 'TypeError: at second'));
    state.add(failed('op', 't3', 'RangeError', 'bad input 1'));
    state.add(failed('other', 't4', 'TypeError', 'bad input 1'));
    const groups = state.frame(true).failures;
    expect(groups).toHaveLength(3);
    const first = groups.find((g) => g.errorName === 'TypeError' && g.operationName === 'op')!;
    expect(first).toMatchObject({ count: 2, firstSeen: 0, lastSeen: 5, firstLine: 'bad input 1', sampleTaskId: 't1' });
    expect(first.sampleStack).toContain('at first');
  });

  it('bounds the failure groups and the throughput series however many failures and seconds come', () => {
    let now = 0;
    const state = new DashboardState(() => now);
    for (let i = 0; i < LIMITS.failureGroups + 50; i++) state.add(failed('op', `t${i}`, 'Error', `distinct ${i}`));
    for (let s = 0; s < LIMITS.seconds + 10; s++) {
      now += 1000;
      state.tick();
    }
    const frame = state.frame(true);
    expect(frame.failures).toHaveLength(LIMITS.failureGroups);
    expect(frame.otherFailures).toBe(50);
    expect(frame.seconds.t).toHaveLength(LIMITS.seconds);
    expect(frame.minutes.t.length).toBe(Math.floor((LIMITS.seconds + 10) / 60));
  });

  it('sends in a delta only what changed since the last delta', () => {
    let now = 0;
    const state = new DashboardState(() => now);
    state.add(task('task_submitted', 'a', 'a0'));
    state.add(task('task_submitted', 'b', 'b0'));
    now += 1000;
    state.tick();
    const first = state.frame(false);
    expect(first.operations.map((o) => o.name).sort()).toEqual(['a', 'b']);
    expect(first.seconds.t).toHaveLength(1);
    state.add(task('task_succeeded', 'b', 'b0'));
    now += 1000;
    state.tick();
    const second = state.frame(false);
    expect(second.operations.map((o) => o.name)).toEqual(['b']);
    expect(second.seconds.t).toEqual([2]); // only the new point
    expect(second.seq).toBe(first.seq + 1);
    expect(state.frame(true).seq).toBe(second.seq); // a full state does not move the sequence
  });

  it('ends as completed with failures, or as failed with the error text', () => {
    const state = new DashboardState(() => 0);
    state.add({
      type: 'execution_completed',
      executionId: 'e',
      summary: {
        executionId: 'e',
        succeeded: 1,
        failed: 1,
        skipped: 0,
        retried: 0,
        operations: {},
        durationMs: 1,
        result: undefined,
      },
    });
    expect(state.frame(true).header.status).toBe('completed with failures');
    const other = new DashboardState(() => 0);
    other.end('failed', new RangeError('out\nof range'));
    expect(other.frame(true).header).toMatchObject({ status: 'failed', error: 'RangeError: out' });
  });
});

describe('DashboardState with the engine counters and workers', () => {
  it("reads the counts from the engine's counters when given them, and counts no task event then", () => {
    let now = 0;
    const counts = new Map([['a', { submitted: 5, succeeded: 2, failed: 1, skipped: 0, retried: 0 }]]);
    const state = new DashboardState(
      () => now,
      () => counts,
    );
    // Events still pass: they must not be counted a second time.
    state.add(task('task_submitted', 'a', 'a0'));
    state.add(task('task_succeeded', 'a', 'a0'));
    now += 1000;
    state.tick();
    let frame = state.frame(false);
    expect(frame.header).toMatchObject({ submitted: 5, succeeded: 2, failed: 1, inFlight: 2 });
    expect(frame.seconds.done).toEqual([3]);
    expect(frame.seconds.failed).toEqual([1]);
    counts.set('a', { submitted: 6, succeeded: 5, failed: 1, skipped: 0, retried: 0 });
    counts.set('b', { submitted: 1, succeeded: 0, failed: 0, skipped: 0, retried: 0 });
    now += 1000;
    state.tick();
    frame = state.frame(false);
    expect(frame.seconds.done).toEqual([3]); // the three of this second only
    expect(frame.header.ratePerSec).toBe(3);
    expect(frame.operations.find((o) => o.name === 'a')).toMatchObject({ succeeded: 5, inFlight: 0, ratePerSec: 3 });
    expect(frame.operations.find((o) => o.name === 'b')).toMatchObject({ submitted: 1, inFlight: 1 });
    // Nothing moved: no row in the next delta.
    now += 1000;
    state.tick();
    expect(state.frame(false).operations.map((o) => o.name)).toEqual(['a']); // its rate still falls
  });

  it('keeps the workers seen on outcomes with the last facts each reported, at most LIMITS.workers', () => {
    let now = 0;
    const state = new DashboardState(() => now);
    const outcome = (pid: number, done: number): ExecutionEvent => ({
      type: 'task_succeeded',
      executionId: 'e',
      taskId: `t${now}`,
      operationName: 'op',
      outcome: {
        executionSecs: 0,
        worker: { host: 'node-1', pid, tasksDone: done, tasksRunning: 2, rssBytes: 5e7 + pid },
      },
    });
    state.add(outcome(1, 7));
    now = 10;
    state.add(outcome(1, 8));
    state.add({
      ...failed('op', 'f', 'Error', 'boom'),
      error: { name: 'Error', message: 'boom', worker: { host: 'node-1', pid: 1 } },
    } as ExecutionEvent);
    const [row] = state.frame(false).workers;
    expect(row).toMatchObject({ host: 'node-1', pid: 1, done: 3, failed: 1, running: 2, totalDone: 8, lastSeen: 10 });
    expect(row!.rssBytes).toBe(5e7 + 1);
    for (let pid = 2; pid <= LIMITS.workers; pid++) state.add(outcome(pid, 1));
    now = 20;
    state.add(outcome(1, 9)); // seen again: the worker seen longest ago is now pid 2
    state.add(outcome(LIMITS.workers + 1, 1));
    const workers = state.frame(true).workers;
    expect(workers).toHaveLength(LIMITS.workers);
    const pids = new Set(workers.map((w) => w.pid));
    expect(pids.has(2)).toBe(false);
    expect(pids.has(1)).toBe(true);
    expect(pids.has(LIMITS.workers + 1)).toBe(true);
  });
});
