import { lastValueFrom, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import {
  MazepaExecutionFailure,
  execution,
  flowSchema,
  progress,
  taskableOperation,
  type ProgressSnapshot,
  type Task,
} from 'mazepa';
import { MarbleExecutionQueue } from 'mazepa/testing';

const quiet = { showProgress: false } as const;

const load = taskableOperation(function progLoad(_chunk: string) {});
const save = taskableOperation(function progSave(chunk: string) {
  if (chunk.startsWith('bad')) throw new Error(`cannot save ${chunk}`);
  return chunk;
});

const twoOperations = flowSchema(function* progTwoOperations() {
  yield [load.makeTask('l1'), load.makeTask('l2'), load.makeTask('l3')];
  yield [save.makeTask('s1'), save.makeTask('bad-s2')];
});

describe('progress', () => {
  it('should give per-operation snapshots on the interval and a last one, in virtual time', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    const snapshots: [number, ProgressSnapshot][] = [];
    scheduler.run(({ cold, flush }) => {
      // l1 done at 4, l2 at 8, l3 at 12; s1 done at 6, bad-s2 fails at 9.
      const timing: Record<string, string> = { l1: '4ms x|', l2: '8ms x|', l3: '12ms x|', s1: '6ms x|' };
      const queue = new MarbleExecutionQueue({
        scheduler,
        work: (task: Task) => {
          const chunk = String(task.args[0]);
          return chunk === 'bad-s2' ? cold('9ms #', undefined, new Error('cannot save bad-s2')) : cold(timing[chunk]!);
        },
      });
      execution(twoOperations(), { ...quiet, queue, scheduler, raiseOnFailedTask: false, executionId: 'progress-1' })
        .pipe(progress({ intervalMs: 5, scheduler }))
        .subscribe((snapshot) => snapshots.push([scheduler.now(), snapshot]));
      flush();
    });

    expect(snapshots.map(([frame, s]) => [frame, s.elapsedMs, s.done])).toEqual([
      [5, 5, false],
      [10, 10, false],
      [12, 12, true],
    ]);
    const [atFive, atTen, last] = snapshots.map(([, s]) => s) as [ProgressSnapshot, ProgressSnapshot, ProgressSnapshot];
    expect(last.executionId).toBe('progress-1');

    // At 5 ms: l1 is done; one task done in 5 ms is 200 per second.
    expect(atFive.operations['progLoad']).toEqual({
      submitted: 3,
      succeeded: 1,
      failed: 0,
      skipped: 0,
      retried: 0,
      inFlight: 2,
      ratePerSec: 200,
    });
    expect(atFive.operations['progSave']).toMatchObject({ submitted: 2, succeeded: 0, failed: 0, ratePerSec: 0 });
    expect(atFive.total).toMatchObject({ submitted: 5, succeeded: 1, failed: 0, inFlight: 4, ratePerSec: 200 });

    // At 10 ms: l2, s1 done and bad-s2 failed.
    expect(atTen.operations['progLoad']).toMatchObject({ succeeded: 2, failed: 0, inFlight: 1, ratePerSec: 200 });
    expect(atTen.operations['progSave']).toMatchObject({ succeeded: 1, failed: 1, inFlight: 0, ratePerSec: 200 });
    expect(atTen.total).toMatchObject({ succeeded: 3, failed: 1, inFlight: 1, ratePerSec: 400 });

    // The last snapshot, when the execution completes at 12 ms.
    expect(Object.keys(last.operations).sort()).toEqual(['progLoad', 'progSave']);
    expect(last.operations['progLoad']).toMatchObject({ submitted: 3, succeeded: 3, failed: 0, inFlight: 0 });
    expect(last.operations['progSave']).toMatchObject({ submitted: 2, succeeded: 1, failed: 1, inFlight: 0 });
    expect(last.total).toMatchObject({ submitted: 5, succeeded: 4, failed: 1, skipped: 0, retried: 0, inFlight: 0 });
    expect(last.operations['progLoad']!.ratePerSec).toBe(250);
    expect(last.operations['progSave']!.ratePerSec).toBeCloseTo(166.667, 2);
    expect(last.total.ratePerSec).toBeCloseTo(416.667, 2);
  });

  it('should emit one snapshot per event with intervalMs 0, ending with the final counts', async () => {
    const snapshots = await lastValueFrom(
      execution(twoOperations(), { ...quiet, raiseOnFailedTask: false }).pipe(progress({ intervalMs: 0 }), toArray()),
    );
    const last = snapshots.at(-1)!;
    expect(last.done).toBe(true);
    expect(snapshots.slice(0, -1).every((s) => !s.done)).toBe(true);
    expect(last.operations['progLoad']).toMatchObject({ submitted: 3, succeeded: 3, failed: 0, inFlight: 0 });
    expect(last.operations['progSave']).toMatchObject({ submitted: 2, succeeded: 1, failed: 1, inFlight: 0 });
    expect(last.total).toMatchObject({ submitted: 5, succeeded: 4, failed: 1 });
    // Counts only grow, one event at a time.
    const done = snapshots.map((s) => s.total.succeeded + s.total.failed);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(Math.max(...snapshots.map((s) => s.total.submitted))).toBe(5);
    // execution_started, 5 submitted, 5 done and 2 flows completed: one snapshot each, and the last.
    expect(snapshots).toHaveLength(1 + 5 + 5 + 1 + 1);
  });

  it('should count the failure and then error when a failed task fails the execution', async () => {
    const seen: ProgressSnapshot[] = [];
    const failure = await new Promise<unknown>((resolve) =>
      execution(twoOperations(), quiet)
        .pipe(progress({ intervalMs: 0 }))
        .subscribe({ next: (s) => seen.push(s), error: resolve, complete: () => resolve(undefined) }),
    );
    expect(failure).toBeInstanceOf(MazepaExecutionFailure);
    expect((failure as Error).message).toContain('cannot save bad-s2');
    expect(seen.at(-1)!.operations['progSave']).toMatchObject({ failed: 1 });
    expect(seen.every((s) => !s.done)).toBe(true);
  });

  it('should reject a bad intervalMs with a TypeError naming the option', () => {
    expect(() => progress({ intervalMs: -1 })).toThrow(TypeError);
    expect(() => progress({ intervalMs: -1 })).toThrow("progress: option 'intervalMs' must be a number >= 0");
  });
});
