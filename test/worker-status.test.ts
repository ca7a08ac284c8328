import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { WorkerEvent } from 'mazepa/sqs';
import { createWorkerStatus } from '../src/cli/worker-status.js';
import { describeOperations, stampLine } from '../src/cli/worker-events.js';

const started = (taskId: string): WorkerEvent => ({
  type: 'task_started',
  taskId,
  operationName: 'op',
  executionId: 'e',
  attempt: 1,
});
const finished = (taskId: string, failed = false): WorkerEvent => ({
  type: 'task_finished',
  taskId,
  operationName: 'op',
  executionId: 'e',
  attempt: 1,
  failed,
  executionSecs: 0.1,
});

describe('createWorkerStatus', () => {
  it('should print one line per minute with running, done, failed and the rate of the last minute', () => {
    // Virtual time: `flush` runs what is due up to `maxFrames` milliseconds.
    const scheduler = new TestScheduler(() => undefined);
    const until = (ms: number): void => {
      scheduler.maxFrames = ms;
      scheduler.flush();
    };
    const lines: string[] = [];
    const status = createWorkerStatus({ log: (line) => lines.push(line), scheduler });
    for (let i = 0; i < 30; i++) status.add(started(`t${i}`));
    for (let i = 0; i < 28; i++) status.add(finished(`t${i}`, i < 3));
    status.add({ type: 'task_dropped', taskId: 'x', operationName: 'op', executionId: 'e', attempt: 1 });
    until(59_999);
    expect(lines).toEqual([]);
    until(60_000);
    expect(lines).toEqual([
      'mazepa worker: status: 2 running, 28 done (3 failed), 1 dropped, 28 task(s)/min in the last 1 min',
    ]);
    // The second minute: 2 more done, so its rate is 2/min; the counts go on.
    status.add(finished('t28'));
    status.add(finished('t29'));
    until(120_000);
    expect(lines[1]).toBe(
      'mazepa worker: status: 0 running, 30 done (3 failed), 1 dropped, 2.0 task(s)/min in the last 1 min',
    );
    const summary = { succeeded: 27, failed: 3, rejected: 0, stoppedBy: 'signal', durationMs: 1 } as const;
    status.add({ type: 'worker_stopped', summary });
    until(600_000);
    expect(lines).toHaveLength(2); // no line once the worker stopped
  });
});

describe('stampLine', () => {
  it('should put the ISO time, host and pid in front of a line', () => {
    const at = new Date(Date.UTC(2026, 11, 3, 12, 34, 56, 789));
    expect(stampLine('mazepa worker: started', { at, host: 'build-7', pid: 4242 })).toBe(
      '2026-12-03T12:34:56.789Z build-7[4242] mazepa worker: started',
    );
    expect(stampLine('x')).toMatch(
      new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z \\S+\\[${process.pid}\\] x$`),
    );
  });
});

describe('describeOperations', () => {
  it('should list the operations registered, sorted, and say when there are none', () => {
    expect(describeOperations(['resize', 'add'])).toBe('mazepa worker: 2 operation(s) registered: add, resize');
    expect(describeOperations([])).toMatch(/no operation is registered: .*same install/);
    const many = Array.from({ length: 45 }, (_, i) => `op${String(i).padStart(2, '0')}`);
    expect(describeOperations(many)).toMatch(/45 operation\(s\) registered: op00, .*op39, and 5 more$/);
  });
});
