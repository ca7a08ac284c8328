import { MazepaError } from '../errors.js';

/** Options of a {@link CodecError}. */
export interface CodecErrorOptions {
  /** The path of the offending value, in JS accessor syntax (`args[1].options.cb`). */
  readonly path?: string | undefined;
  /** The underlying error, if one was thrown while encoding or decoding. */
  readonly cause?: unknown;
}

/**
 * A value could not be encoded, or an encoding could not be decoded.
 *
 * @example
 * ```ts
 * import { encodeValue, CodecError } from 'mazepa';
 * try { encodeValue([() => 1], 'args'); } catch (e) { if (e instanceof CodecError) console.error(e.path); }
 * ```
 */
export class CodecError extends MazepaError {
  override name = 'CodecError';
  /** The path of the offending value (`args[1].options.cb`), when the error is about one. */
  readonly path: string | undefined;

  constructor(message: string, options: CodecErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : {});
    this.path = options.path;
  }
}
