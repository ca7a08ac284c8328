// Gathering calls into batches: a full batch goes at once, the rest after the delay.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MicroBatcher } from '../../src/adapters/sqs/calls/micro-batcher.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('MicroBatcher', () => {
  it('should send a full batch at once and gather the others for the delay', async () => {
    vi.useFakeTimers();
    const sent: [string, number[]][] = [];
    const batcher = new MicroBatcher<number>(
      (key, items) => {
        sent.push([key, [...items]]);
        return Promise.resolve(items.map(() => undefined));
      },
      3,
      undefined,
      100,
    );
    const added = [1, 2, 3, 4].map((n) => batcher.add('a', n));
    const other = batcher.add('b', 9);
    expect(sent).toEqual([['a', [1, 2, 3]]]);
    await Promise.all(added.slice(0, 3));
    await vi.advanceTimersByTimeAsync(99);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toEqual([
      ['a', [1, 2, 3]],
      ['a', [4]],
      ['b', [9]],
    ]);
    await Promise.all([...added, other]);
  });
});
