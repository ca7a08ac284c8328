import { MazepaError } from '../../../flows/errors.js';

/**
 * An S3 call on the payload bucket failed (storing, reading, deleting or listing payloads).
 * Wraps the AWS SDK's error (its `cause`) once, naming the bucket, the key (or key prefix, for
 * a listing) and the call; after retries, also how long the call failed. A payload that cannot
 * be stored or read fails its task with a {@link PayloadError} whose `cause` is this error.
 *
 * @example
 * ```ts
 * import { S3CallError, deleteOrphanPayloads } from 'mazepa/sqs';
 * try {
 *   await deleteOrphanPayloads({ queueName: 'mazepa-tasks', payloadBucket: 'my-bucket' });
 * } catch (e) {
 *   if (e instanceof S3CallError) console.error(e.bucket, e.key, e.operation, e.cause);
 * }
 * ```
 */
export class S3CallError extends MazepaError {
  override name = 'S3CallError';
  /** The bucket the call was about. */
  readonly bucket: string;
  /** The object's key, or the key prefix of a listing or a batch delete. */
  readonly key: string;
  /** The S3 action that failed (`PutObject`, `GetObject`, `ListObjectsV2`, ...). */
  readonly operation: string;
  /** How long the call kept failing before it gave up (transient errors, over `maxOutageMs`). */
  readonly failingForMs: number | undefined;

  constructor(
    message: string,
    options: { bucket: string; key: string; operation: string; cause?: unknown; failingForMs?: number },
  ) {
    super(message, 'cause' in options ? { cause: options.cause } : {});
    this.bucket = options.bucket;
    this.key = options.key;
    this.operation = options.operation;
    this.failingForMs = options.failingForMs;
  }
}
