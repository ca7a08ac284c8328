/**
 * Encoding to and decoding from JSON text, the form values travel in between processes.
 */
import { Buffer } from 'node:buffer';
import { CodecError } from './codec-error.js';
import { decodeValue } from './decode.js';
import { encodeValue } from './encode.js';
import { errorText } from './path.js';

/**
 * Options of {@link decodeFromString}.
 *
 * @example
 * ```ts
 * import { decodeFromString, type DecodeFromStringOptions } from 'mazepa';
 * const options: DecodeFromStringOptions = { maxBytes: 256 * 1024, path: 'args' };
 * decodeFromString('[1]', options);
 * ```
 */
export interface DecodeFromStringOptions {
  /** Refuse texts longer than this many UTF-8 bytes (default: no limit). */
  readonly maxBytes?: number;
  /** The root of the paths in error messages (default: `value`). */
  readonly path?: string;
}

/**
 * Encodes a value (see `encodeValue`) straight to JSON text.
 *
 * @example
 * ```ts
 * import { encodeToString } from 'mazepa';
 * encodeToString([NaN, 'chunk']); // '[{"$t":"num","v":"NaN"},"chunk"]'
 * ```
 */
export function encodeToString(value: unknown, path?: string): string {
  const encoded = encodeValue(value, path);
  try {
    return JSON.stringify(encoded);
  } catch (e) {
    throw new CodecError(`${path ?? 'value'} could not be written as JSON: ${errorText(e)}`, {
      path,
      cause: e,
    });
  }
}

/**
 * Decodes JSON text made by `encodeToString`; throws a `CodecError` for invalid JSON, text over
 * `maxBytes`, or a malformed encoding.
 *
 * @example
 * ```ts
 * import { decodeFromString } from 'mazepa';
 * decodeFromString('[{"$t":"bigint","v":"42"}]', { maxBytes: 1024 }); // [42n]
 * ```
 */
export function decodeFromString(text: string, options: DecodeFromStringOptions = {}): unknown {
  if (typeof text !== 'string') {
    throw new CodecError(`decodeFromString needs a string, not a ${typeof text}`);
  }
  const { maxBytes } = options;
  // A UTF-16 code unit takes at most 3 UTF-8 bytes: short texts need no measuring.
  if (maxBytes !== undefined && text.length * 3 > maxBytes) {
    const size = Buffer.byteLength(text, 'utf8');
    if (size > maxBytes) {
      throw new CodecError(`encoded value is ${size} bytes, over the limit of ${maxBytes} bytes`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new CodecError(`encoded value is not valid JSON: ${errorText(e)}`, { cause: e });
  }
  return decodeValue(parsed, options.path);
}
