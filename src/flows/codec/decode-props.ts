/**
 * Decoding of the properties of plain objects (escaped, null-prototype or not).
 */
import type { Recurse } from './encoded.js';
import { annotate, keyPiece, malformedTag, PathFailure } from './path.js';

type Fields = Record<string, unknown>;

/** @internal Decodes the values of `source` into `target`, keys as-is (`__proto__` refused). */
export function decodeProps<T extends Fields>(source: Fields, depth: number, target: T, decode: Recurse<unknown>): T {
  if (Object.hasOwn(source, '__proto__')) throw new PathFailure('has the forbidden key "__proto__"');
  const out: Fields = target;
  let key = '';
  try {
    for (key of Object.keys(source)) out[key] = decode(source[key], depth + 1);
  } catch (e) {
    throw annotate(e, keyPiece(key), source);
  }
  return target;
}

/** @internal The payload of `tag` as a plain object (or a malformed-tag failure). */
export function record(v: unknown, tag: string): Fields {
  const proto: unknown = typeof v === 'object' && v !== null ? Object.getPrototypeOf(v) : undefined;
  if (proto !== Object.prototype && proto !== null) throw malformedTag(tag, '"v" must be an object');
  return v as Fields;
}
