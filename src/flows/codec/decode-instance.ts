/**
 * Decoding of instances of registered classes.
 */
import type { Recurse } from './encoded.js';
import { annotate, errorText, malformedTag, PathFailure, quote } from './path.js';
import { classByName } from './registry.js';

type Fields = Record<string, unknown>;

/** @internal Decodes a `class` tag: `{ "$t": "class", "c": <name>, "v": <data> }`. */
export function decodeInstance(tagged: Fields, depth: number, decode: Recurse<unknown>): unknown {
  const name = tagged['c'];
  if (Object.keys(tagged).length !== 3 || typeof name !== 'string' || !Object.hasOwn(tagged, 'v')) {
    throw malformedTag('class', 'expected the fields "$t", "c" (a string) and "v"');
  }
  const entry = classByName(name);
  if (entry === undefined) {
    throw new PathFailure(`names class ${quote(name)}, which is not registered with registerClass`);
  }
  if (entry.decode === undefined) {
    const data = decode(tagged['v'], depth + 1);
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw malformedTag('class', `the properties of ${entry.name} must be an object`);
    }
    const instance = Object.create(entry.cls.prototype as object) as object;
    for (const key of Object.keys(data)) {
      const value = (data as Fields)[key];
      Object.defineProperty(instance, key, {
        value,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
    return instance;
  }
  let data: unknown;
  try {
    data = decode(tagged['v'], depth + 1);
  } catch (e) {
    throw annotate(e, `.<encoded ${entry.name}>`, tagged);
  }
  try {
    return entry.decode(data);
  } catch (e) {
    const reason = `could not be decoded by the decode of class ${entry.name}: ${errorText(e)}`;
    throw new PathFailure(reason, false, e);
  }
}
