import type { SQSClient } from '@aws-sdk/client-sqs';
import { readQueueDepth } from '../calls/queue-depth.js';
import { queueNameFromUrl } from '../calls/queue-names.js';
import { Subject, type Observable } from 'rxjs';

/** @internal What a {@link LostTaskWatch} needs. */
export interface LostTaskWatchOptions {
  readonly client: SQSClient;
  /** The task queue, whose depth tells whether a task message may still be there. */
  readonly taskQueueUrl: string;
  /** The execution's outcome queue: an outcome still in it (or being read) is not lost. */
  readonly outcomeQueueUrl: string;
  /** The tasks an earlier run pushed whose outcome has not come yet. */
  readonly pending: ReadonlySet<string>;
  /** How long the task queue must stay empty before the pending tasks count as lost. */
  readonly emptyForMs: number;
  /** How long, at most, the pending tasks are waited for. */
  readonly waitMs: number;
}

/**
 * @internal Watches the tasks that an earlier run of a re-attached execution pushed, until each
 * has its outcome. Those still without one are declared lost (emitted on `lost`, to be pushed
 * again) when the task queue and the outcome queue have held no message (visible, in flight or
 * delayed) for `emptyForMs` in a row, checked every few seconds: no worker can still be running
 * them (a worker sends the outcome before it deletes the task message) and no outcome of theirs
 * is on its way to the engine (one received is handed on before it is deleted), so their
 * message went to the dead-letter queue or was lost. After `waitMs` they are declared
 * lost whatever the queue holds (a queue that other runs keep busy is never empty).
 */
export class LostTaskWatch {
  readonly #options: LostTaskWatchOptions;
  readonly #pending: Set<string>;
  readonly #lost = new Subject<string>();
  readonly #startedAt = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #emptySince: number | undefined;
  #stopped = false;

  constructor(options: LostTaskWatchOptions) {
    this.#options = options;
    this.#pending = new Set(options.pending);
  }

  /** Ids to push again. */
  get lost(): Observable<string> {
    return this.#lost.asObservable();
  }

  /** Starts checking (once subscribed to the outcomes). */
  start(): void {
    this.#next();
  }

  /** An outcome of `taskId` came (or it was pushed again): it is not waited for any more. */
  seen(taskId: string): void {
    this.#pending.delete(taskId);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#lost.complete();
  }

  #next(): void {
    if (this.#stopped) return;
    if (this.#pending.size === 0) return this.stop();
    const every = Math.min(5_000, Math.max(250, Math.floor(this.#options.emptyForMs / 4)));
    this.#timer = setTimeout(() => void this.#check(), every);
    this.#timer.unref();
  }

  async #check(): Promise<void> {
    if (this.#stopped) return;
    const now = Date.now();
    if (now - this.#startedAt >= this.#options.waitMs) return this.#declareLost();
    const { taskQueueUrl, outcomeQueueUrl } = this.#options;
    const empty = (await this.#queueEmpty(taskQueueUrl)) && (await this.#queueEmpty(outcomeQueueUrl));
    if (this.#stopped) return;
    if (!empty) this.#emptySince = undefined;
    else {
      this.#emptySince ??= now;
      if (now - this.#emptySince >= this.#options.emptyForMs) return this.#declareLost();
    }
    this.#next();
  }

  async #queueEmpty(url: string): Promise<boolean> {
    try {
      const depth = await readQueueDepth(this.#options.client, url, queueNameFromUrl(url));
      return depth.waiting + depth.inFlight + depth.delayed === 0;
    } catch {
      return false; // unknown: not empty (the time bound still holds)
    }
  }

  #declareLost(): void {
    const ids = [...this.#pending];
    this.#pending.clear();
    for (const id of ids) this.#lost.next(id);
    this.stop();
  }
}
