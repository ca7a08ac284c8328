import { MazepaError } from '../../flows/errors.js';

/**
 * An SQS call failed. Wraps the AWS SDK's error (its `cause`) once, at the adapter boundary,
 * naming the queue and the call.
 *
 * @example
 * ```ts
 * import { SqsQueueError } from 'mazepa/sqs';
 * try { await execute(flow, { queue }); } catch (e) {
 *   if (e instanceof SqsQueueError) console.error(e.queueName, e.operation, e.cause);
 * }
 * ```
 */
export class SqsQueueError extends MazepaError {
  override name = 'SqsQueueError';
  /** The queue the call was about. */
  readonly queueName: string;
  /** The SQS action that failed (`SendMessageBatch`, ...). */
  readonly operation: string;

  constructor(message: string, options: { queueName: string; operation: string; cause?: unknown }) {
    super(message, 'cause' in options ? { cause: options.cause } : {});
    this.queueName = options.queueName;
    this.operation = options.operation;
  }
}

/** @internal Wraps an AWS error once: an `SqsQueueError` passes through unchanged. */
export function wrapSqsError(error: unknown, operation: string, queueName: string): SqsQueueError {
  if (error instanceof SqsQueueError) return error;
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new SqsQueueError(`SQS ${operation} on queue '${queueName}' failed: ${detail}`, {
    queueName,
    operation,
    cause: error,
  });
}

/** @internal Whether `error` (or the AWS error it wraps) says the queue does not exist. */
export function isQueueMissing(error: unknown): boolean {
  const inner = error instanceof SqsQueueError ? error.cause : error;
  const name = (inner as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && (name.endsWith('QueueDoesNotExist') || name.endsWith('NonExistentQueue'));
}

/** @internal Whether `error` comes from aborting the request on purpose. */
export function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted === true) return true;
  const inner = error instanceof SqsQueueError ? error.cause : error;
  return (inner as { name?: unknown } | undefined)?.name === 'AbortError';
}
