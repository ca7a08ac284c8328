import { PrefetchPace } from './prefetch-pace.js';
import type { WorkerStopReason } from './worker-options.js';

/**
 * @internal A worker's bookkeeping of running tasks and free slots, idleness and stopping.
 * Slots count tasks, not messages: receives reserve the free slots before they ask for
 * messages, and each task of a message enters a slot before it runs; the tasks of a pack
 * that finds no free slot wait for one, in order. While tasks finish fast, a worker also takes
 * in the tasks it would start within a moment ({@link PrefetchPace}), and only once half of that
 * room is free: each receive then brings several messages instead of one.
 */
export class WorkerSlots {
  /** Keys of the tasks being handled (a single message's receipt handle, or a task of a pack). */
  readonly running = new Set<string>();
  /** Tasks that wait for a slot, in order. */
  readonly #queued: { readonly key: string; readonly enter: (entered: boolean) => void }[] = [];
  readonly #controller = new AbortController();
  readonly #concurrency: number;
  readonly #idleTimeoutMs: number | undefined;
  readonly #onStop: (reason: WorkerStopReason) => void;
  #reserved = 0;
  #idleSince = performance.now();
  #waiters: (() => void)[] = [];
  #stopReason: WorkerStopReason | undefined;
  readonly #pace: PrefetchPace;

  constructor(
    concurrency: number,
    idleTimeoutMs: number | undefined,
    onStop: (reason: WorkerStopReason) => void,
    pace = new PrefetchPace(),
  ) {
    this.#concurrency = concurrency;
    this.#idleTimeoutMs = idleTimeoutMs;
    this.#onStop = onStop;
    this.#pace = pace;
  }

  /** Aborted once the worker stops taking tasks. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get stopped(): boolean {
    return this.#controller.signal.aborted;
  }

  get stopReason(): WorkerStopReason | undefined {
    return this.#stopReason;
  }

  /** Stops taking tasks (the first reason given wins). */
  stop(reason: WorkerStopReason): void {
    if (this.stopped) return;
    this.#stopReason = reason;
    this.#onStop(reason);
    this.#controller.abort();
    this.#wake();
  }

  /**
   * Reserves up to `max` free slots for a receive; 0 when none is free. With tasks finishing
   * fast, the room counts the tasks held ahead too, and is given only once half of those are free.
   */
  reserve(max: number): number {
    const taken = this.running.size + this.#queued.length + this.#reserved;
    const ahead = Math.min(max, this.#pace.ahead());
    if (taken > this.#concurrency + Math.floor(ahead / 2)) return 0;
    const free = Math.min(max, this.#concurrency + ahead - taken);
    if (free <= 0) return 0;
    this.#reserved += free;
    return free;
  }

  release(count: number): void {
    this.#reserved -= count;
  }

  /**
   * Takes a slot for the task `key`: `true` at once when one is free, else a promise of one
   * (`false` when the worker stops first: the task must not run).
   */
  enter(key: string): true | Promise<boolean> {
    if (this.#queued.length === 0 && this.running.size < this.#concurrency && !this.stopped) {
      this.running.add(key);
      return true;
    }
    return new Promise((enter) => this.#queued.push({ key, enter }));
  }

  /**
   * Takes back the task `key` that waits for a slot (its run ended meanwhile): its wait resolves
   * to false. False when it is not waiting (it took its slot already).
   */
  withdraw(key: string): boolean {
    const i = this.#queued.findIndex((q) => q.key === key);
    if (i < 0) return false;
    this.#queued.splice(i, 1)[0]!.enter(false);
    this.#wake();
    return true;
  }

  finished(key: string): void {
    if (this.running.delete(key)) this.#pace.finished();
    if (this.running.size === 0 && this.#queued.length === 0) this.#idleSince = performance.now();
    this.#wake();
  }

  /** How long a receive may wait: the queue's long poll, shortened to the idle timeout. */
  waitSeconds(longPoll: number): number {
    if (this.#idleTimeoutMs === undefined) return longPoll;
    const idleFor = this.running.size === 0 ? performance.now() - this.#idleSince : 0;
    return Math.min(longPoll, Math.max(0, Math.ceil((this.#idleTimeoutMs - idleFor) / 1000)));
  }

  /** After an empty receive: stops when nothing has run for the idle timeout. */
  checkIdle(): void {
    if (this.#idleTimeoutMs === undefined || this.running.size > 0) return;
    if (performance.now() - this.#idleSince >= this.#idleTimeoutMs) this.stop('idleTimeout');
  }

  /** Resolves at the next change: a task finished, or the worker is stopping. */
  changed(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Resolves once no message is being handled. */
  async drained(): Promise<void> {
    while (this.running.size > 0) await this.changed();
  }

  #wake(): void {
    while (this.#queued.length > 0 && (this.stopped || this.running.size < this.#concurrency)) {
      const { key, enter } = this.#queued.shift()!;
      if (!this.stopped) this.running.add(key);
      enter(!this.stopped);
    }
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
