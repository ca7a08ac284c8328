import type { SerializedError } from '../../flows/serialized-error.js';

/** How many times a transient error or a timeout is retried, whatever `maxRetry` says. */
export const TRANSIENT_RETRY_LIMIT = 40;

/** Decides whether a task's error may go away on a retry. */
export type TransientCondition = (error: SerializedError) => boolean;

/** What to do after a failed attempt. @internal */
export interface RetryDecision {
  readonly retry: boolean;
  /** Milliseconds to wait before the next attempt. */
  readonly delayMs: number;
}

/**
 * Transient errors (`TransientError`, `MazepaTimeoutError`, or what `isTransient` accepts) retry
 * up to 40 times; any other error up to the operation's `maxRetry`.
 *
 * @internal
 */
export function decideRetry(
  taskId: string,
  maxRetry: number,
  attempt: number,
  error: SerializedError,
  isTransient: TransientCondition | undefined,
): RetryDecision {
  const transient =
    error.name === 'TransientError' ||
    error.name === 'MazepaTimeoutError' ||
    (isTransient !== undefined && safely(isTransient, error));
  const limit = transient ? Math.max(TRANSIENT_RETRY_LIMIT, maxRetry) : maxRetry;
  if (attempt > limit) return { retry: false, delayMs: 0 };
  return { retry: true, delayMs: taskBackoffMs(taskId, attempt) };
}

/**
 * Exponential backoff from half a second, doubling to at most 30 s, spread by ±25% with a jitter
 * drawn from the task id: tasks that failed together retry apart, and the same task always waits
 * the same, so runs in virtual time are reproducible. (Not the backoff of SQS calls,
 * `callBackoffMs`, which is random on every call and counted in failed tries, not attempts.)
 *
 * @internal
 */
export function taskBackoffMs(taskId: string, attempt: number): number {
  const base = Math.min(30_000, 500 * 2 ** Math.min(attempt - 1, 16));
  return Math.round(base * (0.75 + 0.5 * unitHash(`${taskId}#${attempt}`)));
}

function unitHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 0x1_0000_0000;
}

function safely(condition: TransientCondition, error: SerializedError): boolean {
  try {
    return condition(error) === true;
  } catch {
    return false;
  }
}
