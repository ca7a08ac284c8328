/**
 * Retrying SQS calls that fail with transient errors: capped exponential backoff with full
 * jitter, for as long as an outage budget allows.
 */
import type { S3CallError } from './s3-call-error.js';
import {
  callError,
  describeCall,
  errorDetail,
  isThrottling,
  isTransientSqsError,
  targetName,
  wrapCallError,
  type CallError,
  type CallTarget,
  type SqsQueueError,
} from './sqs-error.js';

/**
 * An SQS call failed with a transient error and is tried again in `retryInMs`: reported by
 * {@link SqsExecutionQueue} (`onEvent`) and {@link runWorker} (`onEvent`) before each wait.
 *
 * @example
 * ```ts
 * import { SqsExecutionQueue, type SqsCallRetried } from 'mazepa/sqs';
 * const log = (e: SqsCallRetried) => console.error(`${e.operation}: retry ${e.failures} in ${e.retryInMs} ms`);
 * const queue = new SqsExecutionQueue({ queueName: 'q', onEvent: (e) => e.type === 'call_retried' && log(e) });
 * ```
 */
export interface SqsCallRetried {
  readonly type: 'call_retried';
  /** The queue the call is about; for an S3 call, the object it is about (`s3://bucket/key`). */
  readonly queueName: string;
  /** The SQS or S3 action (`ReceiveMessage`, `SendMessageBatch`, `GetObject`, ...). */
  readonly operation: string;
  /** The last error, naming the queue (or the S3 object) and the call. */
  readonly error: SqsQueueError | S3CallError;
  /** Failed tries of this call so far. */
  readonly failures: number;
  /** Since the first failed try began. */
  readonly failingForMs: number;
  /** The wait before the next try. */
  readonly retryInMs: number;
}

/**
 * @internal The outage budget of one queue's (or worker's) calls: how long each call may keep
 * failing with transient errors, tried again after a backoff, before it gives up; and who hears
 * of each retry.
 */
export interface OutageBudget {
  /** How long a call may keep failing before it gives up. */
  readonly maxOutageMs: number;
  /** Told of each retry, before the wait. Must not throw. */
  readonly onRetry: (event: SqsCallRetried) => void;
}

/**
 * @internal How the one-shot admin calls (`mazepa queues`, redrive, orphan clean-up) retry:
 * transient errors for up to a minute, without reporting each retry.
 */
export const ADMIN_BUDGET: OutageBudget = { maxOutageMs: 60_000, onRetry: () => undefined };

/** @internal The backoff of calls: the first retry within 100 ms (500 ms when throttled), doubling up to 10 s. */
export const CALL_BACKOFF = { baseMs: 100, throttledBaseMs: 500, capMs: 10_000 } as const;

/**
 * @internal The wait before trying a failed call again, after `failures` failed tries: full
 * jitter, uniform in [0, min(cap, base * 2^(failures-1))], random on every call (unlike the
 * per-task delay of task retries, `taskBackoffMs`, which is seeded by the task id).
 */
export function callBackoffMs(failures: number, throttled: boolean): number {
  const base = throttled ? CALL_BACKOFF.throttledBaseMs : CALL_BACKOFF.baseMs;
  const ceiling = Math.min(CALL_BACKOFF.capMs, base * 2 ** Math.min(failures - 1, 20));
  return Math.round(Math.random() * ceiling);
}

/** @internal What one call's retries need besides the outage budget. */
export interface CallOptions {
  /** Aborting it ends a wait at once (the call then rejects with its last error). */
  readonly signal?: AbortSignal | undefined;
  /** Which errors to try again. @default {@link isTransientSqsError} */
  readonly retryable?: (error: unknown) => boolean;
  /** A shorter budget for this call (e.g. a heartbeat's, which is useless after the visibility timeout). */
  readonly maxOutageMs?: number;
}

/**
 * @internal The failures of one call: {@link CallRetry.failed} waits before the next try, or
 * throws once the call has failed for the budget (or with an error that is not retryable).
 */
export class CallRetry {
  readonly #budget: OutageBudget;
  readonly #operation: string;
  readonly #target: CallTarget;
  readonly #options: CallOptions;
  #failures = 0;
  #since: number | undefined;
  #tryStarted = performance.now();

  constructor(budget: OutageBudget, operation: string, target: CallTarget, options: CallOptions = {}) {
    this.#budget = budget;
    this.#operation = operation;
    this.#target = target;
    this.#options = options;
  }

  /** Marks the start of a try: the outage is counted from the start of the first failed one. */
  trying(): void {
    this.#tryStarted = performance.now();
  }

  /**
   * After a failed try: resolves when it is time to try again, or throws the error to give up
   * with. `retryable` overrides the classification (entries a batch call failed on the server's side).
   */
  async failed(error: unknown, retryable = (this.#options.retryable ?? isTransientSqsError)(error)): Promise<void> {
    const { signal } = this.#options;
    if (signal?.aborted === true || !retryable) throw wrapCallError(error, this.#operation, this.#target);
    this.#failures++;
    this.#since ??= this.#tryStarted;
    const failingForMs = performance.now() - this.#since;
    const budget = Math.min(this.#options.maxOutageMs ?? Infinity, this.#budget.maxOutageMs);
    if (failingForMs >= budget) throw this.#gaveUp(error, failingForMs, budget);
    const retryInMs = Math.min(callBackoffMs(this.#failures, isThrottling(error)), Math.ceil(budget - failingForMs));
    this.#budget.onRetry({
      type: 'call_retried',
      queueName: targetName(this.#target),
      operation: this.#operation,
      error: wrapCallError(error, this.#operation, this.#target),
      failures: this.#failures,
      failingForMs: Math.round(failingForMs),
      retryInMs,
    });
    await pause(retryInMs, signal);
    if (aborted(signal)) throw wrapCallError(error, this.#operation, this.#target);
    this.trying();
  }

  #gaveUp(error: unknown, failingForMs: number, budget: number): CallError {
    const tries = this.#failures === 1 ? '1 try' : `${this.#failures} tries`;
    return callError(
      `${describeCall(this.#operation, this.#target)} has failed for ${(failingForMs / 1000).toFixed(1)} s ` +
        `(${tries}; the outage budget maxOutageMs is ${budget} ms); the last error: ${errorDetail(error)}`,
      this.#operation,
      this.#target,
      { cause: error, failingForMs },
    );
  }
}

/**
 * @internal Runs `call` until it succeeds, retrying transient errors (see {@link CallRetry});
 * rejects with an {@link SqsQueueError} naming the queue and the call, or for an S3 target an
 * {@link S3CallError} naming the bucket and key.
 */
export async function retrying<T>(
  budget: OutageBudget,
  operation: string,
  target: CallTarget,
  call: () => Promise<T>,
  options: CallOptions = {},
): Promise<T> {
  const retry = new CallRetry(budget, operation, target, options);
  for (;;) {
    try {
      return await call();
    } catch (error) {
      await retry.failed(error);
    }
  }
}

/** Whether `signal` has aborted (read afresh after an await). */
function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

/** Waits `ms`, or less if `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
