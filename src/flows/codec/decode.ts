/**
 * The decoder: strict about the shape of its input, it builds fresh values and never evaluates
 * anything. Plain JSON decodes as a copy of itself; tagged objects are handled in decode-tagged.
 */
import { decodeProps } from './decode-props.js';
import { decodeTagged } from './decode-tagged.js';
import { MAX_DEPTH, TAG_KEY } from './encoded.js';
import { annotate, PathFailure, toCodecError, tooDeep } from './path.js';

/**
 * Decodes a tree made by `encodeValue`; throws a `CodecError` (and only that) for anything
 * malformed, naming its path (rooted at `path`).
 *
 * @example
 * ```ts
 * import { decodeValue, encodeValue } from 'mazepa';
 * const [when] = decodeValue(encodeValue([new Date(0)])) as [Date];
 * ```
 */
export function decodeValue(encoded: unknown, path = 'value'): unknown {
  try {
    return decodeAny(encoded, 0);
  } catch (e) {
    throw toCodecError(e, path);
  }
}

/** @internal Decodes an encoded value found at nesting `depth`. */
export function decodeAny(encoded: unknown, depth: number): unknown {
  switch (typeof encoded) {
    case 'string':
    case 'boolean':
      return encoded;
    case 'number':
      if (Number.isFinite(encoded)) return encoded;
      throw new PathFailure(`is the number ${encoded}, which is not JSON`);
    case 'object': {
      if (encoded === null) return null;
      if (depth >= MAX_DEPTH) throw tooDeep();
      const proto: unknown = Object.getPrototypeOf(encoded);
      if (proto === Array.prototype) return decodeArray(encoded as readonly unknown[], depth);
      if (proto !== Object.prototype && proto !== null) {
        throw new PathFailure('is an object that is not plain JSON');
      }
      const object = encoded as Record<string, unknown>;
      if (Object.hasOwn(object, TAG_KEY)) return decodeTagged(object, depth, decodeAny);
      return decodeProps(object, depth, {}, decodeAny);
    }
    default:
      throw new PathFailure(`is a ${typeof encoded}, which is not JSON`);
  }
}

function decodeArray(array: readonly unknown[], depth: number): unknown[] {
  const out: unknown[] = [];
  const length = array.length;
  try {
    for (let i = 0; i < length; i++) out.push(decodeAny(array[i], depth + 1));
  } catch (e) {
    throw annotate(e, `[${out.length}]`, array);
  }
  return out;
}
