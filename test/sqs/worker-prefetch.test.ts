// How far ahead of its slots a worker takes tasks in: nothing while its tasks are slow or it is
// idle, a moment's worth of them while they finish fast, and only in large refills.
import { describe, expect, it } from 'vitest';
import { AHEAD_MS, PACE_WINDOW_MS, PrefetchPace } from '../../src/adapters/sqs/worker/prefetch-pace.js';
import { WorkerSlots } from '../../src/adapters/sqs/worker/worker-slots.js';

/** A pace on a clock the test moves. */
function clocked(): { pace: PrefetchPace; advance: (ms: number) => void } {
  let now = 0;
  const pace = new PrefetchPace(() => now);
  return { pace, advance: (ms) => (now += ms) };
}

describe('PrefetchPace', () => {
  it('should allow what finishes within AHEAD_MS at the pace of the last window, and nothing once tasks stop finishing', () => {
    const { pace, advance } = clocked();
    expect(pace.ahead()).toBe(0); // nothing measured yet
    for (let i = 0; i < 500; i++) {
      advance(PACE_WINDOW_MS / 500);
      pace.finished();
    }
    // 500 tasks in one window: 2,000 a second, so 400 within AHEAD_MS (200 ms).
    expect(pace.ahead()).toBe((500 * AHEAD_MS) / PACE_WINDOW_MS);
    advance(PACE_WINDOW_MS);
    expect(pace.ahead()).toBe(0); // a window with nothing finished
  });

  it('should hold next to nothing ahead for tasks of a second', () => {
    const { pace, advance } = clocked();
    for (let i = 0; i < 8; i++) {
      advance(1000);
      for (let slot = 0; slot < 4; slot++) pace.finished(); // four slots, a task a second each
    }
    expect(pace.ahead()).toBe(0);
  });
});

describe('WorkerSlots with a pace', () => {
  /** Slots of `concurrency` whose tasks finished `perWindow` in the last window. */
  function slotsAt(concurrency: number, perWindow: number): WorkerSlots {
    const { pace, advance } = clocked();
    const slots = new WorkerSlots(concurrency, undefined, () => undefined, pace);
    for (let i = 0; i < perWindow; i++) {
      const key = `warm-${i}`;
      expect(slots.enter(key)).toBe(true);
      advance(PACE_WINDOW_MS / perWindow);
      slots.finished(key);
    }
    return slots;
  }

  it('should reserve only the free slots while the pace is slow', () => {
    const slots = slotsAt(4, 1); // 4 a second: none within AHEAD_MS
    for (let i = 0; i < 3; i++) expect(slots.enter(`t${i}`)).toBe(true);
    expect(slots.reserve(100)).toBe(1);
    slots.release(1);
    expect(slots.enter('t3')).toBe(true);
    expect(slots.reserve(100)).toBe(0);
  });

  it('should reserve the slots and the tasks held ahead while tasks finish fast, once half of those are free', () => {
    const slots = slotsAt(16, 250); // 1,000 a second: 200 ahead, at most the 100 asked for
    for (let i = 0; i < 16 + 60; i++) void slots.enter(`t${i}`); // 16 running, 60 waiting for a slot
    expect(slots.reserve(100)).toBe(0); // 60 of the 100 ahead taken: no receive yet
    for (let i = 0; i < 10; i++) slots.finished(`t${i}`); // 10 more start: 50 waiting
    expect(slots.reserve(100)).toBe(50);
    expect(slots.reserve(100)).toBe(0); // the first receive took the room
    // Never more than one receive's worth: the `max` asked for bounds what is held ahead.
    slots.release(50);
    expect(slots.reserve(20)).toBe(0); // 20 ahead at most, and 50 waiting already
  });
});
