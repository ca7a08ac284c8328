/** @internal What a {@link ReplyGate} needs. */
export interface ReplyGateOptions {
  /** The worker's slots: the gate lets two tasks per slot be started and not yet answered for. */
  readonly concurrency: number;
  /** Sends the outcomes gathered for a queue at once (a full gate waits for them). */
  readonly flush: (url: string) => void;
  /** Whether a queue is known gone: its tasks must not start. */
  readonly isGone: (url: string) => boolean;
  /** Milliseconds after an outcome arrived during which the run's tasks start freely. @default 250 */
  readonly freshMs?: number;
  /** The clock. @default Date.now */
  readonly now?: () => number;
}

/**
 * @internal How far a worker runs ahead of the outcomes it has heard arrive, per outcome queue
 * (per run). While the run's outcomes keep arriving (one within `freshMs`), its tasks start
 * freely; otherwise at most two tasks per slot are started and not yet answered for (running, or
 * their outcome gathered or in flight), and when that is full the outcomes gathered for the queue
 * go at once (`flush`) rather than after the gathering delay. A run ended meanwhile (cancelled,
 * its outcome queue deleted) learns it from the first outcome refused: so, once its outcomes
 * have stopped arriving, each slot starts at most one more of its tasks, however short they are.
 */
export class ReplyGate {
  readonly #limit: number;
  readonly #flush: (url: string) => void;
  readonly #isGone: (url: string) => boolean;
  readonly #freshMs: number;
  readonly #now: () => number;
  /** URL -> tasks started and not yet answered for. */
  readonly #open = new Map<string, number>();
  /** URL -> when an outcome last arrived there. */
  readonly #heard = new Map<string, number>();
  /** URL -> tasks waiting to start. */
  readonly #waiting = new Map<string, (() => void)[]>();
  /** URL -> tasks whose outcome is on its way (gathered, or being sent). */
  readonly #sending = new Map<string, number>();
  /** URL -> what waits for the next of those outcomes to be answered. */
  readonly #answers = new Map<string, (() => void)[]>();

  constructor(options: ReplyGateOptions) {
    this.#limit = 2 * options.concurrency;
    this.#flush = options.flush;
    this.#isGone = options.isGone;
    this.#freshMs = options.freshMs ?? 250;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Resolves to true once a task replying to `url` may start (it counts from then on, until
   * {@link leave}), or to false when that queue is known gone (the task must not start).
   */
  async enter(url: string): Promise<boolean> {
    for (;;) {
      if (this.#isGone(url)) return false;
      const open = this.#open.get(url) ?? 0;
      if (open < this.#limit || this.#now() - (this.#heard.get(url) ?? -Infinity) < this.#freshMs) {
        this.#open.set(url, open + 1);
        return true;
      }
      await this.#flushAndWait(this.#waiting, url);
    }
  }

  /** A task that entered sends its outcome now: until {@link leave}, it is on its way. */
  sending(url: string): void {
    this.#sending.set(url, (this.#sending.get(url) ?? 0) + 1);
  }

  /**
   * Sends at once the outcomes gathered for `url` and resolves once the next of them is answered
   * (arrived, refused, or failed); resolves at once when none is on its way. What a task of a run
   * not heard of for a while waits for before it starts, rather than asking SQS.
   */
  nextAnswer(url: string): Promise<void> {
    if ((this.#sending.get(url) ?? 0) === 0) return Promise.resolve();
    return this.#flushAndWait(this.#answers, url);
  }

  /** Sends at once the outcomes gathered for `url`; resolves when a waiter of `url` in `lists` is woken. */
  #flushAndWait(lists: Map<string, (() => void)[]>, url: string): Promise<void> {
    const woken = new Promise<void>((resolve) => {
      const waiting = lists.get(url);
      if (waiting === undefined) lists.set(url, [resolve]);
      else waiting.push(resolve);
    });
    this.#flush(url);
    return woken;
  }

  /**
   * A task that entered is answered for: its outcome arrived (`arrived`), was refused, or will
   * not be sent. `sent`: it had said it was {@link sending}.
   */
  leave(url: string, arrived = false, sent = false): void {
    if (sent) {
      const sending = (this.#sending.get(url) ?? 1) - 1;
      if (sending > 0) this.#sending.set(url, sending);
      else this.#sending.delete(url);
      const answers = this.#answers.get(url);
      this.#answers.delete(url);
      for (const answer of answers ?? []) answer();
    }
    const open = (this.#open.get(url) ?? 1) - 1;
    if (open > 0) this.#open.set(url, open);
    else {
      this.#open.delete(url);
      this.#heard.delete(url); // forgotten with the run's last task here
    }
    if (arrived && open > 0) this.#heard.set(url, this.#now());
    const waiting = this.#waiting.get(url);
    if (waiting === undefined) return;
    this.#waiting.delete(url);
    for (const wake of waiting) wake(); // each looks again: the first ones take the room
  }
}
