import { MazepaError } from '../../flows/errors.js';

/**
 * A checkpoint file that cannot be used: not a mazepa checkpoint, a format version this mazepa
 * does not read, truncated, or corrupt (its checksum or a line does not check out). Such a file
 * is refused, never ignored: move it away to start afresh. Also thrown, with `phase: 'write'`,
 * when a checkpoint cannot be written (a full disk, a missing directory).
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
  /** `load`: the file was refused or could not be read; `write`: it could not be written. */
  readonly phase: 'load' | 'write';

  constructor(
    message: string,
    options: { readonly path: string; readonly phase?: 'load' | 'write'; readonly cause?: unknown },
  ) {
    super(message, 'cause' in options ? { cause: options.cause } : {});
    this.path = options.path;
    this.phase = options.phase ?? 'load';
  }
}
