/**
 * @internal How far a worker runs ahead of the outcomes it has heard arrive, per outcome queue
 * (per run): at most two tasks per slot, started and not yet answered for (running, or their
 * outcome gathered or in flight). A run ended meanwhile (cancelled, its outcome queue deleted)
 * learns it from the first outcome refused: so past the tasks running then, each slot starts at
 * most one more of its tasks, however short they are. When the gate is full, the outcomes gathered
 * for that queue go at once (`flush`) rather than after the gathering delay.
 */
export class ReplyGate {
  readonly #limit: number;
  readonly #flush: (url: string) => void;
  readonly #isGone: (url: string) => boolean;
  /** URL -> tasks started and not yet answered for. */
  readonly #open = new Map<string, number>();
  /** URL -> tasks waiting to start. */
  readonly #waiting = new Map<string, (() => void)[]>();

  constructor(concurrency: number, flush: (url: string) => void, isGone: (url: string) => boolean) {
    this.#limit = 2 * concurrency;
    this.#flush = flush;
    this.#isGone = isGone;
  }

  /**
   * Resolves to true once a task replying to `url` may start (it counts from then on, until
   * {@link leave}), or to false when that queue is known gone (the task must not start).
   */
  async enter(url: string): Promise<boolean> {
    for (;;) {
      if (this.#isGone(url)) return false;
      const open = this.#open.get(url) ?? 0;
      if (open < this.#limit) {
        this.#open.set(url, open + 1);
        return true;
      }
      const woken = new Promise<void>((resolve) => {
        const waiting = this.#waiting.get(url);
        if (waiting === undefined) this.#waiting.set(url, [resolve]);
        else waiting.push(resolve);
      });
      this.#flush(url);
      await woken;
    }
  }

  /** A task that entered is answered for: its outcome arrived, was refused, or will not be sent. */
  leave(url: string): void {
    const open = (this.#open.get(url) ?? 1) - 1;
    if (open > 0) this.#open.set(url, open);
    else this.#open.delete(url);
    const waiting = this.#waiting.get(url);
    if (waiting === undefined) return;
    this.#waiting.delete(url);
    for (const wake of waiting) wake(); // each looks again: the first ones take the room
  }
}
