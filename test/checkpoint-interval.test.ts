import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { ExecutionEvent } from 'mazepa';
import { createCheckpointLog, type CheckpointLog } from '../src/streams/checkpoint/checkpoint-format.js';
import type { CheckpointJournal } from '../src/streams/checkpoint/checkpoint-journal.js';
import { checkpointing } from '../src/streams/checkpoint/checkpointing.js';

const ok = (taskId: string): ExecutionEvent => ({
  type: 'task_succeeded',
  executionId: 'e',
  taskId,
  operationName: 'op',
  outcome: { returnValue: undefined, executionSecs: 0 },
});

/** A journal that notes what is done to it, at which virtual time, with how many records. */
function fakeJournal(scheduler: TestScheduler, calls: string[]) {
  return (_path: string, log: CheckpointLog): CheckpointJournal => ({
    appendLogged: () => {
      const lines = log
        .drain()
        .toString()
        .split('\n')
        .filter((l) => l.startsWith('t ')).length;
      if (lines > 0) calls.push(`${scheduler.now()} append ${lines}`);
      return lines > 0;
    },
    appendMeta: (fields) => void calls.push(`${scheduler.now()} meta ${JSON.stringify(fields)}`),
    sync: () => void calls.push(`${scheduler.now()} sync ${log.count}`),
    compact: () => void calls.push('compact'),
    close: () => void calls.push(`${scheduler.now()} close ${log.count}`),
  });
}

describe('checkpointing', () => {
  it('should append once per turn, and flush on the interval only when something new completed', () => {
    const scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
    const calls: string[] = [];
    scheduler.run(({ hot }) => {
      const loaded = { log: createCheckpointLog(), meta: {}, needsCompaction: false };
      const events = hot<ExecutionEvent>('(ab) 50ms c 200ms d 100ms |', {
        a: ok('t1'),
        b: ok('t2'),
        c: ok('t3'),
        d: ok('t4'),
      });
      const out = events.pipe(
        checkpointing({
          path: 'x',
          intervalMs: 100,
          scheduler,
          flushScheduler: scheduler,
          loaded,
          open: fakeJournal(scheduler, calls),
        }),
      );
      out.subscribe({
        next: (e) =>
          calls.push(`${scheduler.now()} ${e.type}${e.type === 'checkpoint_written' ? ` ${e.completed}` : ''}`),
        complete: () => calls.push(`${scheduler.now()} complete`),
      });
    });
    // t1 and t2 came in one turn: one append; t3 and t4 one each, in their own turn. A flush
    // to disk every 100 ms, and an event only when something new came since the last one.
    expect(calls).toEqual([
      '0 task_succeeded',
      '0 task_succeeded',
      '0 append 2',
      '54 task_succeeded',
      '54 append 1',
      '100 sync 3',
      '100 checkpoint_written 3',
      '200 sync 3',
      '255 task_succeeded',
      '255 append 1',
      '300 sync 4',
      '300 checkpoint_written 4',
      '356 close 4',
      '356 checkpoint_written 4',
      '356 complete',
    ]);
  });

  it('should append and close the journal when unsubscribed before the end', () => {
    const calls: string[] = [];
    const scheduler = new TestScheduler(() => {});
    scheduler.run(({ hot }) => {
      const loaded = { log: createCheckpointLog(), meta: {}, needsCompaction: false };
      const events = hot<ExecutionEvent>('a b 10ms |', { a: ok('t1'), b: ok('t2') });
      const sub = events
        .pipe(
          checkpointing({
            path: 'x',
            intervalMs: 1000,
            scheduler,
            flushScheduler: scheduler,
            loaded,
            open: fakeJournal(scheduler, calls),
          }),
        )
        .subscribe();
      scheduler.schedule(() => sub.unsubscribe(), 5);
    });
    expect(calls).toEqual(['0 append 1', '1 append 1', '5 close 2']);
  });
});
