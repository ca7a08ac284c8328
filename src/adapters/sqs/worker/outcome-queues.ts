import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { isQueueMissing } from '../calls/sqs-error.js';

/** @internal How long a worker trusts what it learnt about an outcome queue. */
export interface OutcomeQueuesOptions {
  /** Milliseconds an outcome queue seen to exist is not asked about again. @default 60000 */
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

  constructor(client: SQSClient, options: OutcomeQueuesOptions = {}) {
    this.#client = client;
    this.#existsForMs = options.existsForMs ?? 60_000;
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

  /** Records that the queue at `url` is gone (a send to it said so). */
  markGone(url: string): void {
    this.#remember(url, false);
  }

  async #ask(url: string): Promise<boolean> {
    try {
      await this.#client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['CreatedTimestamp'] }));
    } catch (error) {
      if (!isQueueMissing(error)) return true;
      this.#remember(url, false);
      return false;
    }
    this.#remember(url, true);
    return true;
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
    if (exists) this.#existing.set(url, now + this.#existsForMs);
    else {
      this.#gone.delete(url);
      this.#gone.set(url, now + this.#goneForMs);
    }
  }
}

/** Drops the entries whose time is up: the first ones, since each map has one lifetime. */
function expire(entries: Map<string, number>, now: number): void {
  for (const [key, until] of entries) {
    if (until > now) return;
    entries.delete(key);
  }
}
