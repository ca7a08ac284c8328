import type { Buffer } from 'node:buffer';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { ExecutionEvent } from 'mazepa';
import { createCheckpointLog } from '../src/streams/checkpoint-format.js';
import { checkpointing } from '../src/streams/checkpointing.js';

const ok = (taskId: string): ExecutionEvent => ({
  type: 'task_succeeded',
  executionId: 'e',
  taskId,
  operationName: 'op',
  outcome: { returnValue: undefined, executionSecs: 0 },
});

describe('checkpointing', () => {
  it('should write on the interval only when something new completed, on the scheduler', () => {
    const scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
    const writes: [number, number][] = [];
    scheduler.run(({ hot }) => {
      const log = createCheckpointLog();
      const write = (_path: string, chunks: readonly Buffer[]): Promise<void> => {
        const text = chunks.map((c) => c.toString()).join('');
        writes.push([scheduler.now(), Number(/\nend (\d+)/.exec(text)![1])]);
        return new Promise(() => {}); // never settles: later ticks see a write in progress
      };
      const events = hot<ExecutionEvent>('a 50ms b 200ms c 100ms |', { a: ok('t1'), b: ok('t2'), c: ok('t3') });
      events.pipe(checkpointing({ path: 'x', intervalMs: 100, scheduler, log, write })).subscribe();
    });
    // At 100 ms a write of t1 and t2 starts; it never settles, so the ticks after it write
    // nothing, and the last write (at the end) waits for it.
    expect(writes).toEqual([[100, 2]]);
  });

  it('should write blocking when unsubscribed before the end', () => {
    const written: number[] = [];
    const log = createCheckpointLog();
    const scheduler = new TestScheduler(() => {});
    scheduler.run(({ hot }) => {
      const events = hot<ExecutionEvent>('a b 10ms |', { a: ok('t1'), b: ok('t2') });
      const sub = events
        .pipe(
          checkpointing({
            path: 'x',
            intervalMs: 1000,
            scheduler,
            log,
            write: () => Promise.resolve(),
            writeSync: () => void written.push(log.count),
          }),
        )
        .subscribe();
      scheduler.schedule(() => sub.unsubscribe(), 5);
    });
    expect(written).toEqual([2]);
  });
});
