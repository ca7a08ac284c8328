/**
 * Encoding of everything that is not a primitive, plain array or plain object: registered
 * classes, null-prototype objects, dates, maps, sets, regular expressions, binary values and
 * errors. Anything else is refused.
 */
import { encodeBinary } from './binary.js';
import { MAX_DEPTH, TAG_KEY, type Encoded, type Recurse } from './encoded.js';
import { encodeError } from './error-value.js';
import { annotate, errorText, keyPiece, PathFailure, tooDeep } from './path.js';
import { classByPrototype, type ClassEntry } from './registry.js';

/** @internal Encodes an object whose prototype (`proto`) is neither Object's nor Array's. */
export function encodeSpecial(value: object, proto: object | null, depth: number, encode: Recurse<Encoded>): Encoded {
  if (proto === null) return { $t: 'nullobj', v: encodeProps(value, depth, encode) };
  const entry = classByPrototype(proto);
  if (entry !== undefined) return encodeInstance(value, entry, depth, encode);
  switch (proto) {
    case Date.prototype: {
      const time = Date.prototype.getTime.call(value);
      return { $t: 'date', v: Number.isNaN(time) ? null : time };
    }
    case Map.prototype:
      return encodeMap(value as Map<unknown, unknown>, depth, encode);
    case Set.prototype:
      return encodeSet(value as Set<unknown>, depth, encode);
    case RegExp.prototype: {
      const regexp = value as RegExp;
      return { $t: 'regexp', v: [regexp.source, regexp.flags] };
    }
  }
  const binary = encodeBinary(value, proto);
  if (binary !== undefined) return binary;
  if (value instanceof Error) return encodeError(value, depth, encode);
  throw new PathFailure(refusal(value, proto));
}

/** @internal A fresh object of the encoded own enumerable properties of `object` (keys as-is). */
export function encodeProps(object: object, depth: number, encode: Recurse<Encoded>): Record<string, Encoded> {
  const out: Record<string, Encoded> = {};
  let key = '';
  try {
    for (key of Object.keys(object)) {
      if (key === '__proto__') throw new PathFailure('is a key that cannot be encoded safely');
      out[key] = encode((object as Record<string, unknown>)[key], depth + 1);
    }
  } catch (e) {
    throw annotate(e, keyPiece(key), object);
  }
  return out;
}

function encodeInstance(instance: object, entry: ClassEntry, depth: number, encode: Recurse<Encoded>): Encoded {
  if (entry.encode === undefined) {
    // The properties travel as a plain object one level down, escaped like any plain object.
    if (depth + 1 >= MAX_DEPTH) throw tooDeep();
    const props = encodeProps(instance, depth + 1, encode);
    const data = Object.hasOwn(props, TAG_KEY) ? { $t: 'obj', v: props } : props;
    return { $t: 'class', c: entry.name, v: data };
  }
  let data: unknown;
  try {
    data = entry.encode(instance);
  } catch (e) {
    const reason = `could not be encoded by the encode of class ${entry.name}: ${errorText(e)}`;
    throw new PathFailure(reason, false, e);
  }
  try {
    return { $t: 'class', c: entry.name, v: encode(data, depth + 1) };
  } catch (e) {
    throw annotate(e, `.<encoded ${entry.name}>`, instance);
  }
}

function encodeMap(map: Map<unknown, unknown>, depth: number, encode: Recurse<Encoded>): Encoded {
  const entries: Encoded[] = [];
  let part = 'key';
  try {
    for (const [key, value] of map) {
      part = 'key';
      const encodedKey = encode(key, depth + 1);
      part = 'value';
      entries.push([encodedKey, encode(value, depth + 1)]);
    }
  } catch (e) {
    throw annotate(e, `.<map ${part} ${entries.length}>`, map);
  }
  return { $t: 'map', v: entries };
}

function encodeSet(set: Set<unknown>, depth: number, encode: Recurse<Encoded>): Encoded {
  const items: Encoded[] = [];
  try {
    for (const item of set) items.push(encode(item, depth + 1));
  } catch (e) {
    throw annotate(e, `.<set item ${items.length}>`, set);
  }
  return { $t: 'set', v: items };
}

function refusal(value: object, proto: object): string {
  if (value instanceof Promise) return 'is a Promise (await it before encoding)';
  if (value instanceof WeakMap || value instanceof WeakSet || value instanceof WeakRef) {
    return `is a ${constructorName(proto)}, which cannot be encoded`;
  }
  return `is an instance of unregistered class ${constructorName(proto)}; ` + 'register it with registerClass';
}

function constructorName(proto: object): string {
  const ctor: unknown = (proto as { constructor?: unknown }).constructor;
  const name: unknown = typeof ctor === 'function' ? ctor.name : undefined;
  return typeof name === 'string' && name !== '' ? name : '<anonymous>';
}
