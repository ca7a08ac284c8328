import type { SqsConnection } from './sqs-execution-queue.js';
import { extendVisibility } from './worker-calls.js';

/**
 * @internal Keeps the messages a worker holds hidden from other workers: every third of the
 * visibility timeout, their visibility is extended (ten per ChangeMessageVisibilityBatch).
 */
export class VisibilityHeartbeat {
  /** Receipt handles of the messages held (running, or sending their outcome). */
  readonly held = new Set<string>();
  readonly #queue: SqsConnection;
  readonly #onError: (error: unknown) => void;
  #timer: ReturnType<typeof setInterval> | undefined;
  #beating = false;

  constructor(queue: SqsConnection, onError: (error: unknown) => void) {
    this.#queue = queue;
    this.#onError = onError;
  }

  start(): void {
    const period = Math.max(200, (this.#queue.options.visibilityTimeoutSec * 1000) / 3);
    this.#timer = setInterval(() => this.#beat(), period);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #beat(): void {
    if (this.held.size === 0 || this.#beating) return;
    this.#beating = true;
    // Entries that fail (a message deleted meanwhile) need nothing more: only whole calls report.
    extendVisibility(this.#queue, [...this.held])
      .catch(this.#onError)
      .finally(() => (this.#beating = false));
  }
}
