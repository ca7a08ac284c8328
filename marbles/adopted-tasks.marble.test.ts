import { describe, expect, it } from 'vitest';
import { map } from 'rxjs';
import { serializeError } from '../src/flows/serialized-error.js';
import { createAdoptedTasks } from '../src/streams/engine/adopted-tasks.js';
import type { OutcomeReport } from '../src/streams/execution-queue.js';
import { createTestScheduler } from './helpers.js';

const ok = { returnValue: 1, executionSecs: 0 };
const bad = { error: serializeError(new Error('bad')), executionSecs: 0 };
const id = map((report: OutcomeReport) => (report.outcome.error === undefined ? report.taskId : 'x'));

describe('the adopted-task stage (a re-attached run: outcome stream in, outcome stream out)', () => {
  it('holds back an adopted task’s outcome until the task is claimed, then replays it (a success wins)', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, flush }) => {
      const adopted = createAdoptedTasks(new Set(['a', 'b']));
      const reports: Record<string, OutcomeReport> = {
        a: { taskId: 'a', outcome: ok },
        f: { taskId: 'a', outcome: bad },
        c: { taskId: 'c', outcome: ok }, // not adopted: passes at once
        b: { taskId: 'b', outcome: ok },
      };
      // a: held (its later failure does not replace the success); b: claimed first, so it passes.
      scheduler.schedule(() => expect(adopted.claim('b')).toBe(true), 3);
      scheduler.schedule(() => {
        expect(adopted.claim('a')).toBe(true);
        adopted.replay();
      }, 6);
      expectObservable(cold('af-cb--', reports).pipe(adopted.stage, id)).toBe('---cb-a');
      flush();
      expect(adopted.claim('c')).toBe(false);
    });
  });

  it('says a lost task is to be pushed only when it was claimed and no outcome came for it', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, flush }) => {
      const adopted = createAdoptedTasks(new Set(['a', 'b', 'c']));
      expect(adopted.lost('a')).toBe(false); // not yielded yet: pushed as any other task when it is
      expect(adopted.claim('a')).toBe(false);
      expect(adopted.claim('b')).toBe(true);
      expect(adopted.claim('c')).toBe(true);
      const reports: Record<string, OutcomeReport> = { c: { taskId: 'c', outcome: ok } };
      expectObservable(cold('c', reports).pipe(adopted.stage, id)).toBe('c');
      flush();
      expect(adopted.lost('c')).toBe(false); // its outcome came
      expect(adopted.lost('b')).toBe(true);
      expect(adopted.lost('b')).toBe(false); // once
    });
  });
});
