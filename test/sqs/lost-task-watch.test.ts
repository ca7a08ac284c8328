// LostTaskWatch: when the tasks an earlier run pushed count as lost (stub client, fake timers).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LostTaskWatch } from '../../src/adapters/sqs/orchestrator/lost-task-watch.js';
import { stubClient } from './stub-client.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** A client whose queues hold `depth[url]` messages (visible), changeable by the test. */
function queues(depth: Record<string, number>) {
  return stubClient((name, input) => {
    if (name !== 'GetQueueAttributes') throw new Error(`unexpected ${name}`);
    return { Attributes: { ApproximateNumberOfMessages: String(depth[input['QueueUrl'] as string] ?? 0) } };
  });
}

function watch(client: ReturnType<typeof queues>['client'], waitMs = 3_600_000) {
  const w = new LostTaskWatch({
    client,
    taskQueueUrl: 'tasks',
    outcomeQueueUrl: 'outcomes',
    pending: new Set(['a', 'b', 'c']),
    emptyForMs: 2_000,
    waitMs,
  });
  const lost: string[] = [];
  w.lost.subscribe((id) => lost.push(id));
  return { w, lost };
}

describe('LostTaskWatch', () => {
  it('should declare the tasks without outcome lost once both queues stayed empty for emptyForMs', async () => {
    const depth = { tasks: 2, outcomes: 0 };
    const { w, lost } = watch(queues(depth).client);
    w.start();
    w.seen('b');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(lost).toEqual([]); // tasks still queued
    depth.tasks = 0;
    depth.outcomes = 1; // an outcome on its way
    await vi.advanceTimersByTimeAsync(10_000);
    expect(lost).toEqual([]);
    depth.outcomes = 0;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(lost).toEqual([]); // empty, but not for long enough yet
    await vi.advanceTimersByTimeAsync(2_000);
    expect(lost).toEqual(['a', 'c']);
  });

  it('should declare them lost after waitMs whatever the queue holds, and not when all came', async () => {
    const busy = watch(queues({ tasks: 5 }).client, 30_000);
    busy.w.start();
    await vi.advanceTimersByTimeAsync(25_000);
    expect(busy.lost).toEqual([]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(busy.lost).toEqual(['a', 'b', 'c']);

    const { client, sent } = queues({});
    const done = watch(client);
    done.w.start();
    for (const id of ['a', 'b', 'c']) done.w.seen(id);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(done.lost).toEqual([]);
    expect(sent.length).toBeLessThanOrEqual(2); // it stopped once nothing was pending
  });
});
