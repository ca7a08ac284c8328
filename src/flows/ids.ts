import { hash, randomUUID } from 'node:crypto';
import stableStringify from 'fast-json-stable-stringify';
import { encodeValue } from './codec/index.js';

/** A task id and whether it was derived from the arguments (else random). @internal */
export interface DerivedId {
  readonly id: string;
  /** Why the id is random: the codec's message naming the value that cannot be encoded. */
  readonly unencodable?: string;
}

/**
 * The deterministic id of a task: the operation name, then a hash of the stable JSON of the
 * encoded constructor and call arguments. The same operation with the same arguments gives the
 * same id in any process; an argument the codec refuses gives a random id instead.
 *
 * @internal
 */
export function deriveTaskId(
  operationName: string,
  args: readonly unknown[],
  constructorArgs?: readonly unknown[],
): DerivedId {
  let payload: string;
  try {
    const encoded =
      constructorArgs === undefined
        ? encodeValue(args, 'args')
        : [encodeValue(constructorArgs, 'constructorArgs'), encodeValue(args, 'args')];
    payload = stableStringify(encoded);
  } catch (error) {
    return {
      id: `${operationName}-random-${randomUUID()}`,
      unencodable: error instanceof Error ? error.message : String(error),
    };
  }
  // A concatenated string is a rope in V8, twice the size of a flat one once it is a map key;
  // the JSON round trip hands back a flat copy at no extra cost, which matters at 10^6 ids.
  return { id: JSON.parse(JSON.stringify(`${operationName}-${digest(`${operationName}\u0000${payload}`)}`)) as string };
}

/** 128 bits of sha256, base64url: short ids that still never collide in practice. @internal */
export function digest(text: string): string {
  return hash('sha256', text, 'base64url').slice(0, 22);
}

/** A fresh random id with a readable prefix. @internal */
export function randomId(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}
