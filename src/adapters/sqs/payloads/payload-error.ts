import { MazepaError, type MazepaErrorOptions } from '../../../flows/errors.js';

/**
 * A payload stored in S3 could not be stored, read or trusted: the object is missing, or its
 * size or SHA-256 differs from what the message says (it was changed or cut short).
 *
 * @example
 * ```ts
 * import { PayloadError } from 'mazepa/sqs';
 * execution.events$.subscribe((e) => {
 *   if (e.type === 'task_failed' && e.error.name === 'PayloadError') console.error(e.error.message);
 * });
 * ```
 */
export class PayloadError extends MazepaError {
  override name = 'PayloadError';
  /** The bucket of the object at fault. */
  readonly bucket: string;
  /** The key of the object at fault. */
  readonly key: string;

  constructor(message: string, options: MazepaErrorOptions & { bucket: string; key: string }) {
    super(message, options);
    this.bucket = options.bucket;
    this.key = options.key;
  }
}
