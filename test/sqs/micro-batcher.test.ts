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

  it('should send what is gathered for one key at once on flush, the other keys after the delay', async () => {
    vi.useFakeTimers();
    const sent: [string, number[]][] = [];
    const batcher = new MicroBatcher<number>(
      (key, items) => {
        sent.push([key, [...items]]);
        return Promise.resolve(items.map(() => undefined));
      },
      10,
      undefined,
      100,
    );
    const added = [batcher.add('a', 1), batcher.add('a', 2), batcher.add('b', 3)];
    batcher.flush('a');
    batcher.flush('c'); // nothing gathered there
    expect(sent).toEqual([['a', [1, 2]]]);
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toEqual([
      ['a', [1, 2]],
      ['b', [3]],
    ]);
    await Promise.all(added);
  });

  it('should keep gathering while items come within the delay, up to the longest delay', async () => {
    vi.useFakeTimers();
    const sent: number[][] = [];
    const batcher = new MicroBatcher<number>(
      (_key, items) => {
        sent.push([...items]);
        return Promise.resolve(items.map(() => undefined));
      },
      1000,
      undefined,
      10,
      100,
    );
    // A lone item goes after the short delay.
    const lone = batcher.add('a', 0);
    await vi.advanceTimersByTimeAsync(10);
    expect(sent).toEqual([[0]]);
    await lone;
    // Items 8 ms apart keep the batch open until 100 ms after the first.
    const added: Promise<void>[] = [];
    for (let i = 1; i <= 20; i++) {
      added.push(batcher.add('a', i));
      await vi.advanceTimersByTimeAsync(8);
      if (i * 8 < 100) expect(sent).toHaveLength(1);
    }
    expect(sent).toHaveLength(2);
    expect(sent[1]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    await vi.advanceTimersByTimeAsync(100);
    expect(sent.slice(2).flat()).toEqual([14, 15, 16, 17, 18, 19, 20]);
    await Promise.all(added);
  });
});
