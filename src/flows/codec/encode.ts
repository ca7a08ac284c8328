/**
 * The encoder's hot path: primitives, plain arrays and plain objects. Plain JSON subtrees are
 * returned as they are (copied only from the first element that needs tagging), and paths are
 * only built when something fails.
 */
import { encodeSpecial } from './encode-special.js';
import type { Encoded } from './encoded.js';
import { isJsonNumber, MAX_DEPTH, NUMBER_TAGS, TAG_KEY, UNDEFINED_TAG } from './encoded.js';
import { annotate, keyPiece, PathFailure, toCodecError, tooDeep } from './path.js';

/**
 * Encodes a value as a JSON-compatible tree, tagging what JSON cannot hold; throws a
 * `CodecError` naming the path (rooted at `path`) of any value it refuses.
 *
 * @example
 * ```ts
 * import { encodeValue } from 'mazepa';
 * encodeValue([undefined, 1n, new Map([[1, 'a']])], 'args');
 * // [{ $t: 'undef' }, { $t: 'bigint', v: '1' }, { $t: 'map', v: [[1, 'a']] }]
 * ```
 */
export function encodeValue(value: unknown, path = 'value'): Encoded {
  try {
    return encodeAny(value, 0);
  } catch (e) {
    throw toCodecError(e, path);
  }
}

/** @internal Encodes a value found at nesting `depth`. */
export function encodeAny(value: unknown, depth: number): Encoded {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return isJsonNumber(value) ? value : encodeNumber(value, depth);
    case 'object': {
      if (value === null) return null;
      if (depth >= MAX_DEPTH) throw tooDeep();
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto === Array.prototype) return encodeArray(value as readonly unknown[], depth);
      if (proto === Object.prototype) return encodeObject(value as Record<string, unknown>, depth);
      return encodeSpecial(value, proto as object | null, depth, encodeAny);
    }
    case 'undefined':
      if (depth >= MAX_DEPTH) throw tooDeep();
      return UNDEFINED_TAG;
    case 'bigint':
      if (depth >= MAX_DEPTH) throw tooDeep();
      return { $t: 'bigint', v: value.toString() };
    case 'function':
      throw new PathFailure('is a function');
    default:
      throw new PathFailure(`is a ${typeof value}`);
  }
}

function encodeNumber(n: number, depth: number): Encoded {
  if (depth >= MAX_DEPTH) throw tooDeep();
  if (n !== n) return NUMBER_TAGS.nan;
  if (n === 0) return NUMBER_TAGS.negZero;
  return n > 0 ? NUMBER_TAGS.inf : NUMBER_TAGS.negInf;
}

function encodeArray(array: readonly unknown[], depth: number): Encoded {
  const length = array.length;
  let out: Encoded[] | undefined;
  let i = 0;
  try {
    for (; i < length; i++) {
      const item = array[i];
      const encoded = encodeAny(item, depth + 1);
      if (out !== undefined) out.push(encoded);
      else if (encoded !== item) {
        out = array.slice(0, i) as Encoded[];
        out.push(encoded);
      }
    }
  } catch (e) {
    throw annotate(e, `[${i}]`, array);
  }
  return out ?? (array as Encoded);
}

function encodeObject(object: Record<string, unknown>, depth: number): Encoded {
  // Object.keys, not for-in: enumerable properties added to Object.prototype are not data.
  const keys = Object.keys(object);
  let out: Record<string, Encoded> | undefined;
  let escape = false;
  let key = '';
  try {
    for (let i = 0; i < keys.length; i++) {
      key = keys[i] as string;
      if (key === TAG_KEY) escape = true;
      else if (key === '__proto__') throw new PathFailure('is a key that cannot be encoded safely');
      const item = object[key];
      const encoded = encodeAny(item, depth + 1);
      if (out !== undefined) out[key] = encoded;
      else if (encoded !== item) {
        // Copy from here on. The keys before were plain JSON, so they encode as themselves.
        out = {};
        for (let j = 0; j < i; j++) out[keys[j] as string] = object[keys[j] as string] as Encoded;
        out[key] = encoded;
      }
    }
  } catch (e) {
    throw annotate(e, keyPiece(key), object);
  }
  const result = out ?? (object as Encoded);
  return escape ? { $t: 'obj', v: result } : result;
}
