import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { isQueueMissing } from '../calls/sqs-error.js';

/** @internal How long a worker trusts what it learnt about an outcome queue. */
export interface OutcomeQueuesOptions {
  /**
   * Milliseconds an outcome queue heard of (asked about, or a reply to it went through) is
   * trusted to exist; a task of it that starts later waits for an outcome on its way there, or
   * asks SQS, first. Short, so that a run cancelled while its tasks run long has none of its
   * queued tasks started. @default 1000
   */
  readonly existsForMs?: number;
  /** Milliseconds an outcome queue seen gone stays gone (its tasks are dropped). @default 3600000 */
  readonly goneForMs?: number;
  /** The clock. @default Date.now */
  readonly now?: () => number;
}

/**
 * @internal What a worker knows of the outcome queues it replies to, keyed by URL (each run of
 * an execution has its own queue, with a random suffix) and forgotten after a while. A task
 * whose outcome queue is gone belongs to an execution that has ended: it is not run. Only the
 * queue a message names is ever marked gone, so a message cannot end another run's tasks.
 * The worker's tasks that wait (for a slot, for a resource) watch their queue and are dropped
 * at once when it is marked gone.
 */
export class OutcomeQueues {
  readonly #client: SQSClient;
  readonly #existsForMs: number;
  readonly #goneForMs: number;
  readonly #now: () => number;
  /** URL -> until when it is known to exist; and to be gone. Each in the order it was set. */
  readonly #existing = new Map<string, number>();
  readonly #gone = new Map<string, number>();
  readonly #asking = new Map<string, Promise<boolean>>();
  /** URL -> what to call once it is marked gone (tasks that wait). */
  readonly #watchers = new Map<string, Set<() => void>>();

  constructor(client: SQSClient, options: OutcomeQueuesOptions = {}) {
    this.#client = client;
    this.#existsForMs = options.existsForMs ?? 1000;
    this.#goneForMs = options.goneForMs ?? 3_600_000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Whether the queue at `url` may still exist: false only once SQS said it does not. Asks SQS
   * at most once per URL while the answer holds; a failed question counts as "it exists" (the
   * task runs, and sending its outcome tells).
   */
  exists(url: string): Promise<boolean> {
    const known = this.#lookup(url);
    if (known !== undefined) return Promise.resolve(known);
    let asking = this.#asking.get(url);
    if (asking === undefined) {
      asking = this.#ask(url).finally(() => this.#asking.delete(url));
      this.#asking.set(url, asking);
    }
    return asking;
  }

  /** Whether the queue at `url` was heard of lately (its existence is trusted); asks nobody. */
  isFresh(url: string): boolean {
    return this.#lookup(url) === true;
  }

  /** Whether the queue at `url` is known to be gone; asks nobody. */
  isGone(url: string): boolean {
    return this.#lookup(url) === false;
  }

  /** Records that the queue at `url` exists now (a reply to it went through); a gone queue stays gone. */
  markExists(url: string): void {
    if (!this.isGone(url)) this.#remember(url, true);
  }

  /** Records that the queue at `url` is gone (a send to it said so), and tells its watchers. */
  markGone(url: string): void {
    this.#remember(url, false);
  }

  /**
   * Calls `onGone` once the queue at `url` is marked gone (at once when it is known gone
   * already); the function returned stops watching.
   */
  watch(url: string, onGone: () => void): () => void {
    if (this.isGone(url)) {
      onGone();
      return () => undefined;
    }
    let watchers = this.#watchers.get(url);
    if (watchers === undefined) this.#watchers.set(url, (watchers = new Set()));
    const watcher = (): void => onGone();
    watchers.add(watcher);
    return () => {
      watchers.delete(watcher);
      if (watchers.size === 0 && this.#watchers.get(url) === watchers) this.#watchers.delete(url);
    };
  }

  async #ask(url: string): Promise<boolean> {
    try {
      await this.#client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['CreatedTimestamp'] }));
    } catch (error) {
      if (!isQueueMissing(error)) return true;
      this.#remember(url, false);
      return false;
    }
    this.markExists(url); // unless a refused reply said otherwise meanwhile
    return !this.isGone(url);
  }

  #lookup(url: string): boolean | undefined {
    const now = this.#now();
    expire(this.#gone, now);
    expire(this.#existing, now);
    if (this.#gone.has(url)) return false;
    return this.#existing.has(url) ? true : undefined;
  }

  #remember(url: string, exists: boolean): void {
    const now = this.#now();
    this.#existing.delete(url);
    if (exists) {
      this.#existing.set(url, now + this.#existsForMs);
      return;
    }
    this.#gone.delete(url);
    this.#gone.set(url, now + this.#goneForMs);
    const watchers = this.#watchers.get(url);
    this.#watchers.delete(url);
    for (const watcher of watchers ?? []) watcher();
  }
}

/** Drops the entries whose time is up: the first ones, since each map has one lifetime. */
function expire(entries: Map<string, number>, now: number): void {
  for (const [key, until] of entries) {
    if (until > now) return;
    entries.delete(key);
  }
}
