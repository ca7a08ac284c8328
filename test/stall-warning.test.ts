import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { ExecutionEvent } from 'mazepa';
import { warnWhenStalled } from '../src/streams/progress/stall-warning.js';

const base = { executionId: 'e', operationName: 'op' } as const;
const values: Record<string, ExecutionEvent> = {
  s: { ...base, type: 'task_submitted', taskId: 't1', attempt: 1 },
  t: { ...base, type: 'task_submitted', taskId: 't2', attempt: 1 },
  a: { ...base, type: 'task_succeeded', taskId: 't1', outcome: { executionSecs: 1 } },
  b: { ...base, type: 'task_succeeded', taskId: 't2', outcome: { executionSecs: 1 } },
};

/** The frames at which a warning was given, and its texts. */
function warnings(marbles: string): { at: number; message: string }[] {
  const given: { at: number; message: string }[] = [];
  const scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
  scheduler.run(({ hot }) => {
    warnWhenStalled(hot<ExecutionEvent>(marbles, values), {
      queueName: 'sqs:tasks',
      scheduler,
      warn: (message) => given.push({ at: scheduler.now(), message }),
    }).subscribe();
  });
  return given;
}

describe('warnWhenStalled', () => {
  it('should say once, after 60 s without an outcome, that no worker took a task', () => {
    const given = warnings('(st) 200s |');
    expect(given).toEqual([
      {
        at: 60_000,
        message:
          "mazepa: no worker has taken a task from 'sqs:tasks' in 60 s (2 task(s) waiting, no outcome came back); is one running?",
      },
    ]);
  });

  it('should wait 60 s from the last outcome, and not at all once nothing is in flight', () => {
    expect(warnings('(st) 50s a 50s b 200s |')).toEqual([]);
    expect(warnings('(st) 50s a 100s |').map((w) => w.at)).toEqual([50_004 + 60_000]); // (st) takes 4 frames, then a at 50 s
  });
});
