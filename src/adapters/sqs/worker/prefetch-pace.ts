/**
 * @internal How far ahead of its slots a worker takes tasks in: those it would start within
 * {@link AHEAD_MS} at the pace its tasks finished lately. Tiny tasks finish hundreds a second,
 * so a worker holds a few packs beyond its slots and each receive brings several messages;
 * tasks of a second or more give a pace of a few a second, so nothing (or next to nothing) is
 * held ahead and the other workers get the rest, as without it.
 */
export const AHEAD_MS = 200;

/** @internal The pace is measured over windows at least this long. */
export const PACE_WINDOW_MS = 250;

/**
 * @internal The pace at which a worker's tasks finish, measured over windows of
 * {@link PACE_WINDOW_MS}, and the tasks it may hold beyond its slots because of it. A window
 * with nothing finished (the worker idle, or its tasks long) brings the allowance to 0.
 */
export class PrefetchPace {
  readonly #now: () => number;
  #windowStart: number;
  #finished = 0;
  #ahead = 0;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
    this.#windowStart = now();
  }

  /** A task finished running. */
  finished(): void {
    this.#finished++;
    this.#measure();
  }

  /** The tasks the worker may hold beyond its slots now. */
  ahead(): number {
    this.#measure();
    return this.#ahead;
  }

  #measure(): void {
    const now = this.#now();
    const elapsed = now - this.#windowStart;
    if (elapsed < PACE_WINDOW_MS) return;
    // A long gap since the last window counts whole: the pace over it is low.
    this.#ahead = Math.floor((this.#finished * AHEAD_MS) / elapsed);
    this.#finished = 0;
    this.#windowStart = now;
  }
}
