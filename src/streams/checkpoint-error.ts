import { MazepaError } from '../flows/errors.js';

/**
 * A checkpoint file that cannot be used: not a mazepa checkpoint, a format version this mazepa
 * does not read, truncated, or corrupt (its checksum or a line does not check out). Such a file
 * is refused, never ignored: move it away to start afresh.
 *
 * @example
 * ```ts
 * import { CheckpointError, execute } from 'mazepa';
 * await execute(flow, { checkpoint: 'run.ckpt' }).catch((e) => {
 *   if (e instanceof CheckpointError) console.error(`${e.path}: ${e.message}`);
 * });
 * ```
 */
export class CheckpointError extends MazepaError {
  override name = 'CheckpointError';
  /** The checkpoint file at fault. */
  readonly path: string;

  constructor(message: string, options: { readonly path: string; readonly cause?: unknown }) {
    super(message, 'cause' in options ? { cause: options.cause } : {});
    this.path = options.path;
  }
}
