import { CodecError } from '../../flows/codec/codec-error.js';

/**
 * A task or outcome message that is not a valid mazepa envelope: bad JSON, an unknown version,
 * a missing or mistyped field, a forbidden key, a payload over the size limit, or a signature
 * that does not match. A subclass of `CodecError`, so decoding a message only ever throws one
 * error type.
 *
 * @example
 * ```ts
 * import { decodeTaskEnvelope, EnvelopeError } from 'mazepa/sqs';
 * try { decodeTaskEnvelope('{"v":99}'); } catch (e) { if (e instanceof EnvelopeError) console.error(e.message); }
 * ```
 */
export class EnvelopeError extends CodecError {
  override name = 'EnvelopeError';
}
