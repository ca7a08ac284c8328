import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { aggregateEvents } from '../src/dashboard/aggregate-events.js';
import type { DashboardFrame } from '../src/dashboard/dashboard-frame.js';
import { DashboardState } from '../src/dashboard/dashboard-state.js';
import type { ExecutionEvent } from '../src/streams/execution-event.js';

const done = (id: string): ExecutionEvent => ({
  type: 'task_succeeded',
  executionId: 'e',
  taskId: id,
  operationName: 'op',
  outcome: { executionSecs: 0 },
});

describe('aggregateEvents (virtual time)', () => {
  it('passes every event through and sends one coalesced delta a second, and a last one at the end', () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    scheduler.run(({ cold, expectObservable, flush }) => {
      const state = new DashboardState(() => scheduler.now());
      const frames: [number, DashboardFrame][] = [];
      // 3 events in the first second, 2 in the second, then the run ends at 2501 ms.
      const events = cold('a 10ms b 10ms c 1000ms d e 1476ms |', {
        a: done('1'),
        b: done('2'),
        c: done('3'),
        d: done('4'),
        e: done('5'),
      });
      const out = events.pipe(aggregateEvents({ state, scheduler, onFrame: (f) => frames.push([scheduler.now(), f]) }));
      expectObservable(out).toBe('a 10ms b 10ms c 1000ms d e 1476ms |', {
        a: done('1'),
        b: done('2'),
        c: done('3'),
        d: done('4'),
        e: done('5'),
      });
      flush();
      expect(frames.map(([t]) => t)).toEqual([1000, 2000, 2501]); // the run ends at 2501 ms;
      expect(frames.map(([, f]) => f.seconds.done)).toEqual([[3], [2], [0]]);
      expect(frames.map(([, f]) => f.header.succeeded)).toEqual([3, 5, 5]);
      expect(frames.every(([, f]) => !f.full)).toBe(true);
    });
  });

  it('marks the state cancelled and sends a last delta when unsubscribed', () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    scheduler.run(({ cold, expectObservable, flush }) => {
      const state = new DashboardState(() => scheduler.now());
      const frames: DashboardFrame[] = [];
      const out = cold('a---', { a: done('1') }).pipe(
        aggregateEvents({ state, scheduler, onFrame: (f) => frames.push(f) }),
      );
      expectObservable(out, '^ 1500ms !').toBe('a', { a: done('1') });
      flush();
      expect(frames).toHaveLength(2);
      expect(frames[1]!.header.status).toBe('cancelled');
    });
  });
});
