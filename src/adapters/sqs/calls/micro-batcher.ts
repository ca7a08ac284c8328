import { SQS_BATCH_LIMIT } from './batch-limit.js';

/**
 * @internal How long outcomes and deletions are gathered before they are sent: fewer, fuller
 * requests for a few ms of latency.
 */
export const GATHER_MS = 10;

/**
 * @internal How long outcomes are gathered at most while they keep coming (each within
 * {@link GATHER_MS} of the last): a busy worker sends one message of many outcomes instead of
 * many of a few, and a lone outcome still goes after {@link GATHER_MS}.
 */
export const MAX_GATHER_MS = 100;

/**
 * @internal How long deletions are gathered: nobody waits for them (a message done with stays
 * hidden meanwhile), so batches fill up (a full batch goes at once).
 */
export const DELETE_GATHER_MS = 100;

/**
 * @internal How long deletions are gathered at most while they keep coming (each within
 * {@link DELETE_GATHER_MS} of the last): a busy worker deletes in full batches of ten.
 */
export const MAX_DELETE_GATHER_MS = 1000;

/** Sends one batch: one result per item, `undefined` for success. @internal */
export type BatchHandler<T> = (key: string, items: readonly T[]) => Promise<readonly (Error | undefined)[]>;

interface Entry<T> {
  readonly item: T;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * @internal Gathers what is added in one turn of the event loop (or, with `delayMs`, within that
 * many ms of the first) into batches per key (at most `maxItems` each, and within `fits`): tasks
 * that finish together share one SendMessageBatch or DeleteMessageBatch.
 */
export class MicroBatcher<T> {
  readonly #handler: BatchHandler<T>;
  readonly #maxItems: number;
  readonly #fits: (batch: readonly T[], item: T) => boolean;
  #pending = new Map<string, Entry<T>[]>();
  #scheduled = false;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #delayMs: number;
  readonly #maxDelayMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the first and the last item of the gathering under way were added. */
  #firstAt = 0;
  #lastAt = 0;

  /**
   * With `maxDelayMs` over `delayMs`, the gathering goes on while items keep coming within
   * `delayMs` of each other, up to `maxDelayMs` after the first.
   */
  constructor(
    handler: BatchHandler<T>,
    maxItems = SQS_BATCH_LIMIT,
    fits: (batch: readonly T[], item: T) => boolean = () => true,
    delayMs = 0,
    maxDelayMs = delayMs,
  ) {
    this.#handler = handler;
    this.#maxItems = maxItems;
    this.#fits = fits;
    this.#delayMs = delayMs;
    this.#maxDelayMs = Math.max(delayMs, maxDelayMs);
  }

  /** Resolves once `item` is sent in a batch, rejects with its own error. */
  add(key: string, item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let entries = this.#pending.get(key);
      if (entries === undefined) this.#pending.set(key, (entries = []));
      entries.push({ item, resolve, reject });
      // A full batch does not wait for the others.
      if (this.#delayMs > 0 && entries.length === this.#maxItems) {
        this.#pending.delete(key);
        this.#sendEntries(key, entries);
        return;
      }
      if (this.#maxDelayMs > this.#delayMs) this.#lastAt = Date.now();
      if (!this.#scheduled) {
        this.#scheduled = true;
        this.#firstAt = this.#lastAt;
        if (this.#delayMs === 0) setImmediate(() => this.#flush());
        else this.#timer = setTimeout(() => this.#due(), this.#delayMs);
      }
    });
  }

  /** Sends what is gathered for `key` at once, without waiting for the delay (other keys wait on). */
  flush(key: string): void {
    const entries = this.#pending.get(key);
    if (entries === undefined) return;
    this.#pending.delete(key);
    this.#sendEntries(key, entries);
  }

  /** Resolves when everything added so far has been sent (or has failed). */
  async drain(): Promise<void> {
    while (this.#scheduled || this.#inFlight.size > 0) {
      if (this.#scheduled) this.#flush();
      await Promise.all(this.#inFlight);
    }
  }

  /** The delay is up: flush, unless items still come and the longest delay is not up. */
  #due(): void {
    if (this.#maxDelayMs > this.#delayMs) {
      const now = Date.now();
      const wait = Math.min(this.#lastAt + this.#delayMs, this.#firstAt + this.#maxDelayMs) - now;
      if (wait > 0) {
        this.#timer = setTimeout(() => this.#due(), wait);
        return;
      }
    }
    this.#flush();
  }

  #flush(): void {
    if (!this.#scheduled) return; // flushed by drain() already
    clearTimeout(this.#timer);
    this.#scheduled = false;
    const pending = this.#pending;
    this.#pending = new Map();
    for (const [key, entries] of pending) this.#sendEntries(key, entries);
  }

  #sendEntries(key: string, entries: readonly Entry<T>[]): void {
    let batch: Entry<T>[] = [];
    const items = (): T[] => batch.map((e) => e.item);
    for (const entry of entries) {
      if (batch.length === this.#maxItems || (batch.length > 0 && !this.#fits(items(), entry.item))) {
        this.#send(key, batch);
        batch = [];
      }
      batch.push(entry);
    }
    if (batch.length > 0) this.#send(key, batch);
  }

  #send(key: string, batch: readonly Entry<T>[]): void {
    const sent = this.#handler(
      key,
      batch.map((e) => e.item),
    ).then(
      (results) => batch.forEach((entry, i) => (results[i] === undefined ? entry.resolve() : entry.reject(results[i]))),
      (error: unknown) => batch.forEach((entry) => entry.reject(error)),
    );
    this.#inFlight.add(sent);
    void sent.finally(() => this.#inFlight.delete(sent));
  }
}
