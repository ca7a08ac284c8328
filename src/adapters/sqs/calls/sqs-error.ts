import { MazepaError } from '../../../flows/errors.js';
import { S3CallError } from './s3-call-error.js';

/**
 * An SQS call failed. Wraps the AWS SDK's error (its `cause`) once, at the adapter boundary,
 * naming the queue and the call; after retries, also how long the call failed.
 *
 * @example
 * ```ts
 * import { SqsQueueError } from 'mazepa/sqs';
 * try { await execute(flow, { queue }); } catch (e) {
 *   if (e instanceof SqsQueueError) console.error(e.queueName, e.operation, e.failingForMs, e.cause);
 * }
 * ```
 */
export class SqsQueueError extends MazepaError {
  override name = 'SqsQueueError';
  /** The queue the call was about. */
  readonly queueName: string;
  /** The SQS action that failed (`SendMessageBatch`, ...). */
  readonly operation: string;
  /** How long the call kept failing before it gave up (transient errors, over `maxOutageMs`). */
  readonly failingForMs: number | undefined;

  constructor(
    message: string,
    options: { queueName: string; operation: string; cause?: unknown; failingForMs?: number },
  ) {
    super(message, 'cause' in options ? { cause: options.cause } : {});
    this.queueName = options.queueName;
    this.operation = options.operation;
    this.failingForMs = options.failingForMs;
  }
}

/** @internal What a call is about: an SQS queue (its name), or an S3 object (or key prefix). */
export type CallTarget = string | { readonly bucket: string; readonly key: string };

/** @internal The error of a failed SQS or S3 call. */
export type CallError = SqsQueueError | S3CallError;

/** @internal Whether `error` is an AWS error wrapped already. */
export function isCallError(error: unknown): error is CallError {
  return error instanceof SqsQueueError || error instanceof S3CallError;
}

/** The AWS error a call error wraps, else `error` itself. */
function unwrapped(error: unknown): unknown {
  return isCallError(error) ? error.cause : error;
}

/** @internal One line about an AWS error: its name and message. */
export function errorDetail(error: unknown): string {
  const inner = isCallError(error) && error.cause !== undefined ? error.cause : error;
  return inner instanceof Error ? `${inner.name}: ${inner.message}` : String(inner);
}

/** @internal How a target is named in events: the queue's name, or `s3://bucket/key`. */
export function targetName(target: CallTarget): string {
  return typeof target === 'string' ? target : `s3://${target.bucket}/${target.key}`;
}

/**
 * @internal How a call is named in messages: `SQS SendMessageBatch on queue 'q'`, or
 * `S3 GetObject on s3://bucket/key`.
 */
export function describeCall(operation: string, target: CallTarget): string {
  return typeof target === 'string'
    ? `SQS ${operation} on queue '${target}'`
    : `S3 ${operation} on ${targetName(target)}`;
}

/** @internal The error of a call on `target`: an `SqsQueueError` for a queue, an `S3CallError` for S3. */
export function callError(
  message: string,
  operation: string,
  target: CallTarget,
  details: { cause?: unknown; failingForMs?: number } = {},
): CallError {
  return typeof target === 'string'
    ? new SqsQueueError(message, { queueName: target, operation, ...details })
    : new S3CallError(message, { bucket: target.bucket, key: target.key, operation, ...details });
}

/** @internal Wraps an AWS error once, naming the call: a call error passes through unchanged. */
export function wrapCallError(error: unknown, operation: string, target: CallTarget): CallError {
  if (isCallError(error)) return error;
  return callError(`${describeCall(operation, target)} failed: ${errorDetail(error)}`, operation, target, {
    cause: error,
  });
}

/** @internal Wraps an AWS error of an SQS call once: an `SqsQueueError` passes through unchanged. */
export function wrapSqsError(error: unknown, operation: string, queueName: string): SqsQueueError {
  if (error instanceof SqsQueueError) return error;
  return new SqsQueueError(`${describeCall(operation, queueName)} failed: ${errorDetail(error)}`, {
    queueName,
    operation,
    cause: error,
  });
}

/** The last part of an AWS error's name (`AWS.SimpleQueueService.QueueNameExists` -> `QueueNameExists`). */
function errorCode(error: unknown): string | undefined {
  const inner = unwrapped(error);
  const name = (inner as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? name.slice(name.lastIndexOf('.') + 1) : undefined;
}

/** @internal Whether `error` (or the AWS error it wraps) says the queue does not exist. */
export function isQueueMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && (code.endsWith('QueueDoesNotExist') || code.endsWith('NonExistentQueue'));
}

/** @internal Whether a visibility change failed because the message is not held (visible, or gone). */
export function isMessageNotInflight(error: unknown): boolean {
  return errorCode(error) === 'MessageNotInflight';
}

/** @internal Whether a CreateQueue failed because the queue exists with other attributes. */
export function isQueueNameTaken(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'QueueNameExists' || code === 'QueueAlreadyExists';
}

/** @internal Whether `error` comes from aborting the request on purpose. */
export function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted === true) return true;
  return errorCode(error) === 'AbortError';
}

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'BandwidthLimitExceeded',
  'ProvisionedThroughputExceededException',
  'SlowDown',
  'PriorRequestNotComplete',
  'KmsThrottled',
]);
const SERVER_TROUBLE = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
]);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'ERR_HTTP2_STREAM_ERROR',
]);

/** @internal Whether `error` is SQS (or the network) asking to slow down: backoff starts higher. */
export function isThrottling(error: unknown): boolean {
  const inner = unwrapped(error);
  const meta = (inner as { $metadata?: { httpStatusCode?: unknown } } | undefined)?.$metadata;
  return meta?.httpStatusCode === 429 || THROTTLING.has(errorCode(inner) ?? '');
}

/**
 * @internal Whether an SQS call that failed with `error` may succeed if tried again: throttling,
 * 5xx answers, timeouts, connections reset, refused or cut ("socket hang up"), DNS blips, and
 * what the SDK marks retryable. The one place where SQS errors are classified. An abort or a
 * 4xx answer (missing queue, bad request, access denied) is not transient.
 */
export function isTransientSqsError(error: unknown, depth = 0): boolean {
  const inner = unwrapped(error);
  if (typeof inner !== 'object' || inner === null) return false;
  const e = inner as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    cause?: unknown;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: unknown; clockSkewCorrected?: unknown };
  };
  const code = errorCode(inner) ?? '';
  if (code === 'AbortError') return false;
  const status = e.$metadata?.httpStatusCode;
  return (
    isThrottling(inner) ||
    SERVER_TROUBLE.has(code) ||
    (typeof status === 'number' && status >= 500 && status <= 599) ||
    (e.$retryable !== undefined && e.$retryable !== null) ||
    e.$metadata?.clockSkewCorrected === true ||
    (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) ||
    (typeof e.message === 'string' && /socket hang up|ECONNRESET|other side closed/i.test(e.message)) ||
    (depth < 5 && e.cause !== undefined && isTransientSqsError(e.cause, depth + 1))
  );
}
