import { hash, randomUUID } from 'node:crypto';
import stableStringify from 'fast-json-stable-stringify';
import { encodeValue } from './codec/index.js';
import { isJsonNumber } from './codec/encoded.js';

/** A task id and whether it was derived from the arguments (else random). @internal */
export interface DerivedId {
  readonly id: string;
  /** Why the id is random: the codec's message naming the value that cannot be encoded. */
  readonly unencodable?: string;
}

/**
 * The deterministic id of a task: the operation name, then a hash of the stable JSON of the
 * encoded constructor and call arguments (and the operation's `version`, when it has one). The same operation with the same arguments gives the
 * same id in any process; an argument the codec refuses gives a random id instead.
 *
 * @internal
 */
export function deriveTaskId(
  operationName: string,
  args: readonly unknown[],
  constructorArgs?: readonly unknown[],
  version?: string | number,
): DerivedId {
  let payload: string;
  try {
    // Strings, booleans and plain numbers encode as themselves, and an array of them stringifies
    // the same stably or not: the native JSON.stringify gives the very same text, faster.
    if (constructorArgs === undefined && isFlatJson(args)) payload = JSON.stringify(args);
    else {
      const encoded =
        constructorArgs === undefined
          ? encodeValue(args, 'args')
          : [encodeValue(constructorArgs, 'constructorArgs'), encodeValue(args, 'args')];
      payload = stableStringify(encoded);
    }
  } catch (error) {
    return {
      id: `${operationName}-random-${randomUUID()}`,
      unencodable: error instanceof Error ? error.message : String(error),
    };
  }
  // A concatenated string is a rope in V8, twice the size of a flat one once it is a map key;
  // join builds a flat string at once, which matters at 10^6 ids.
  // JSON text holds no raw U+0000: a versioned id never equals an unversioned one.
  const hashed =
    version === undefined ? `${operationName}\u0000${payload}` : `${operationName}\u0000${payload}\u0000v${version}`;
  return { id: [operationName, digest(hashed)].join('-') };
}

function isFlatJson(args: readonly unknown[]): boolean {
  if (Object.getPrototypeOf(args) !== Array.prototype) return false;
  for (let i = 0; i < args.length; i++) {
    const value = args[i];
    const type = typeof value;
    if (type === 'number') {
      if (!isJsonNumber(value as number)) return false;
    } else if (type !== 'string' && type !== 'boolean' && value !== null) return false;
  }
  return true;
}

/** 128 bits of sha256, base64url: short ids that still never collide in practice. @internal */
export function digest(text: string): string {
  return hash('sha256', text, 'base64url').slice(0, 22);
}

/** A fresh random id with a readable prefix. @internal */
export function randomId(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}
