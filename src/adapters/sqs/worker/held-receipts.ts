import { inBatches } from '../calls/batch-limit.js';

/** @internal Extends the visibility of up to ten messages (`SQS_BATCH_LIMIT`) in one call. */
export type ExtendVisibility = (receipts: readonly string[]) => Promise<unknown>;

/**
 * @internal The receipt handles of the messages a worker holds, and the beat that keeps them
 * hidden: each beat extends every held message's visibility, a full batch per call, and reports a call
 * that fails. A receipt released is never extended again. An entry that fails within a call is
 * not reported: that is a message deleted (its task done) while the call was on its way, which
 * needs nothing more.
 */
export class HeldReceipts {
  readonly #held = new Set<string>();
  readonly #extend: ExtendVisibility;
  readonly #onError: (error: unknown) => void;
  #beating = false;

  constructor(extend: ExtendVisibility, onError: (error: unknown) => void) {
    this.#extend = extend;
    this.#onError = onError;
  }

  hold(receipt: string): void {
    this.#held.add(receipt);
  }

  release(receipt: string): void {
    this.#held.delete(receipt);
  }

  /**
   * Extends every held message's visibility. A beat while the last one's calls are still on
   * their way is skipped: it would only repeat them.
   */
  async beat(): Promise<void> {
    if (this.#held.size === 0 || this.#beating) return;
    this.#beating = true;
    const calls = inBatches([...this.#held]).map((batch) => this.#extend(batch).then(() => undefined, this.#onError));
    try {
      await Promise.all(calls);
    } finally {
      this.#beating = false;
    }
  }
}
