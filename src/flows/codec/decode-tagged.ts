/**
 * Decoding of tagged objects (`{ "$t": <tag>, ... }`), each checked for exactly its own fields.
 */
import { decodeBinary, isBinaryTag } from './binary.js';
import { decodeInstance } from './decode-instance.js';
import { decodeProps, record } from './decode-props.js';
import { TAG_KEY, type Recurse } from './encoded.js';
import { decodeError } from './error-value.js';
import { annotate, errorText, malformedTag, PathFailure, quote } from './path.js';

const NUMBERS = new Map<unknown, number>([
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['-0', -0],
]);
const BIGINT = /^(?:0|-?[1-9][0-9]*)$/;
const REGEXP_FLAGS = /^[dgimsuvy]*$/;
const MAX_TIME = 8.64e15;
const TAGS = new Set(['undef', 'class', 'num', 'bigint', 'date', 'regexp', 'obj', 'nullobj', 'map', 'set', 'error']);

type Fields = Record<string, unknown>;

/** @internal Decodes a tagged object found at nesting `depth`. */
export function decodeTagged(tagged: Fields, depth: number, decode: Recurse<unknown>): unknown {
  const tag = tagged[TAG_KEY];
  if (typeof tag !== 'string') throw new PathFailure(`has a "${TAG_KEY}" tag that is not a string`);
  if (!TAGS.has(tag) && !isBinaryTag(tag)) throw new PathFailure(`has the unknown tag ${quote(tag)}`);
  if (tag === 'undef') {
    if (Object.keys(tagged).length !== 1) throw malformedTag(tag, 'unexpected fields');
    return undefined;
  }
  if (tag === 'class') return decodeInstance(tagged, depth, decode);
  const v = payload(tagged, tag);
  switch (tag) {
    case 'num': {
      const n = NUMBERS.get(v);
      if (n === undefined) throw malformedTag(tag, '"v" must be "NaN", "Infinity", "-Infinity" or "-0"');
      return n;
    }
    case 'bigint':
      if (typeof v !== 'string' || !BIGINT.test(v)) throw malformedTag(tag, '"v" must be an integer string');
      return BigInt(v);
    case 'date':
      if (v === null) return new Date(NaN);
      if (!Number.isInteger(v) || Math.abs(v as number) > MAX_TIME) {
        throw malformedTag(tag, '"v" must be a time in milliseconds or null');
      }
      return new Date(v as number);
    case 'regexp':
      return decodeRegExp(v);
    case 'obj':
      return decodeProps(record(v, tag), depth, {}, decode);
    case 'nullobj':
      return decodeProps(record(v, tag), depth, Object.create(null) as Fields, decode);
    case 'map':
      return decodeMap(v, depth, decode);
    case 'set':
      return decodeSet(v, depth, decode);
    case 'error':
      return decodeError(v, depth, decode);
  }
  return decodeBinary(tag, v);
}

function decodeRegExp(v: unknown): RegExp {
  if (!Array.isArray(v) || v.length !== 2) throw malformedTag('regexp', '"v" must be [source, flags]');
  const [source, flags] = v as unknown[];
  if (typeof source !== 'string' || typeof flags !== 'string' || !REGEXP_FLAGS.test(flags)) {
    throw malformedTag('regexp', '"v" must be [source, flags] strings');
  }
  try {
    return new RegExp(source, flags);
  } catch (e) {
    throw malformedTag('regexp', errorText(e));
  }
}

function decodeMap(v: unknown, depth: number, decode: Recurse<unknown>): Map<unknown, unknown> {
  const map = new Map<unknown, unknown>();
  const entries = list(v, 'map');
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (!Array.isArray(entry) || entry.length !== 2) {
      throw malformedTag('map', `entry ${i} is not a [key, value] pair`);
    }
    let part = 'key';
    try {
      const key = decode(entry[0], depth + 1);
      part = 'value';
      map.set(key, decode(entry[1], depth + 1));
    } catch (e) {
      throw annotate(e, `.<map ${part} ${i}>`, v);
    }
  }
  return map;
}

function decodeSet(v: unknown, depth: number, decode: Recurse<unknown>): Set<unknown> {
  const set = new Set<unknown>();
  const items = list(v, 'set');
  let i = 0;
  try {
    for (; i < items.length; i++) set.add(decode(items[i], depth + 1));
  } catch (e) {
    throw annotate(e, `.<set item ${i}>`, v);
  }
  return set;
}

function payload(tagged: Fields, tag: string): unknown {
  if (Object.keys(tagged).length !== 2 || !Object.hasOwn(tagged, 'v')) {
    throw malformedTag(tag, 'expected exactly the fields "$t" and "v"');
  }
  return tagged['v'];
}

function list(v: unknown, tag: string): readonly unknown[] {
  if (!Array.isArray(v)) throw malformedTag(tag, '"v" must be an array');
  return v;
}
