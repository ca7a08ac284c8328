/**
 * Errors, encoded as `{ "$t": "error", "v": { name, message, stack?, cause?, errors?, props? } }`:
 * `errors` holds an AggregateError's errors, `props` the other own enumerable properties.
 */
import type { Encoded, Recurse } from './encoded.js';
import { annotate, keyPiece, malformedTag, PathFailure, quote } from './path.js';

const BUILT_IN = new Map<string, new (message: string) => Error>([
  ['Error', Error],
  ['EvalError', EvalError],
  ['RangeError', RangeError],
  ['ReferenceError', ReferenceError],
  ['SyntaxError', SyntaxError],
  ['TypeError', TypeError],
  ['URIError', URIError],
]);
const FIELDS = new Set(['name', 'message', 'stack', 'cause', 'errors', 'props']);

/** @internal The encoding of an Error (of any subclass). */
export function encodeError(error: Error, depth: number, encode: Recurse<Encoded>): Encoded {
  const out: Record<string, Encoded> = { name: String(error.name), message: String(error.message) };
  const stack: unknown = error.stack;
  if (typeof stack === 'string') out['stack'] = stack;
  let piece = '.cause';
  try {
    if (Object.hasOwn(error, 'cause')) out['cause'] = encode(error.cause, depth + 1);
    if (error instanceof AggregateError && Array.isArray(error.errors)) {
      const errors: Encoded[] = [];
      for (const item of error.errors as unknown[]) {
        piece = `.errors[${errors.length}]`;
        errors.push(encode(item, depth + 1));
      }
      out['errors'] = errors;
    }
    let props: Record<string, Encoded> | undefined;
    for (const key of Object.keys(error)) {
      if (key === 'name' || key === 'message' || key === 'stack' || key === 'cause') continue;
      piece = keyPiece(key);
      if (key === '__proto__') throw new PathFailure('is a key that cannot be encoded safely');
      props ??= {};
      props[key] = encode((error as unknown as Record<string, unknown>)[key], depth + 1);
    }
    if (props !== undefined) out['props'] = props;
  } catch (e) {
    throw annotate(e, piece, error);
  }
  return { $t: 'error', v: out };
}

/** @internal Decodes the payload of an `error` tag. */
export function decodeError(payload: unknown, depth: number, decode: Recurse<unknown>): Error {
  const v = fields(payload);
  const { name, message, stack, errors: rawErrors, props } = v;
  if (typeof name !== 'string' || typeof message !== 'string') {
    throw malformed('"name" and "message" must be strings');
  }
  if (stack !== undefined && typeof stack !== 'string') throw malformed('"stack" must be a string');
  if (rawErrors !== undefined && !Array.isArray(rawErrors)) throw malformed('"errors" must be an array');
  if (props !== undefined && !isRecord(props)) throw malformed('"props" must be an object');
  if (props !== undefined) {
    // An error's texts are strings wherever it is read: props must not replace them.
    for (const key of ['__proto__', 'name', 'message', 'stack', 'cause']) {
      if (Object.hasOwn(props, key)) throw malformed(`"props" has the forbidden key ${quote(key)}`);
    }
  }
  let errors: unknown[] | undefined;
  const decodedProps: [string, unknown][] = [];
  let piece = '.cause';
  let cause: unknown;
  try {
    if (rawErrors !== undefined) {
      errors = [];
      for (const item of rawErrors as unknown[]) {
        piece = `.errors[${errors.length}]`;
        errors.push(decode(item, depth + 1));
      }
    }
    piece = '.cause';
    if (Object.hasOwn(v, 'cause')) cause = decode(v['cause'], depth + 1);
    if (props !== undefined) {
      for (const key of Object.keys(props)) {
        piece = keyPiece(key);
        decodedProps.push([key, decode(props[key], depth + 1)]);
      }
    }
  } catch (e) {
    throw annotate(e, piece, payload);
  }
  const error = create(name, message, errors);
  if (stack === undefined) delete (error as { stack?: string }).stack;
  else hide(error, 'stack', stack);
  if (Object.hasOwn(v, 'cause')) hide(error, 'cause', cause);
  for (const [key, value] of decodedProps) {
    Object.defineProperty(error, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  return error;
}

type Fields = Record<string, unknown>;

function create(name: string, message: string, errors: unknown[] | undefined): Error {
  const error =
    name === 'AggregateError' ? new AggregateError(errors ?? [], message) : new (BUILT_IN.get(name) ?? Error)(message);
  if (error.name !== name) hide(error, 'name', name);
  if (errors !== undefined && name !== 'AggregateError') hide(error, 'errors', errors);
  return error;
}

function hide(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    writable: true,
    enumerable: false,
    configurable: true,
  });
}

function fields(payload: unknown): Fields {
  if (!isRecord(payload)) throw malformed('"v" must be an object');
  for (const key of Object.keys(payload)) {
    if (!FIELDS.has(key)) throw malformed(`unexpected field ${quote(key)}`);
  }
  return payload;
}

function isRecord(x: unknown): x is Fields {
  if (typeof x !== 'object' || x === null) return false;
  const proto: unknown = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function malformed(detail: string): PathFailure {
  return malformedTag('error', detail);
}
