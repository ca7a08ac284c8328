import { hash, randomUUID } from 'node:crypto';
import stableStringify from 'fast-json-stable-stringify';
import { encodeValue } from './codec/index.js';
import { isJsonNumber } from './codec/encoded.js';
import { idTextBuffer, idTextLength, startIdText, writeFlatJsonArgs, writeIdByte, writeIdUtf8 } from './id-text.js';
import { murmur3x86128, prefixedBase64url128, type Hash128 } from './murmur3.js';

/**
 * How task ids are derived from their text (see {@link deriveTaskId}): `m3x86-128`, the first
 * 128 bits of MurmurHash3_x86_128 (seed 0), since mazepa 0.2; `sha256-128`, the first 128 bits of
 * SHA-256, before. Checkpoints record the schemes of the ids they hold. @internal
 */
export type TaskIdScheme = 'm3x86-128' | 'sha256-128';
/** The scheme new task ids are derived with. @internal */
export const TASK_ID_SCHEME: TaskIdScheme = 'm3x86-128';
/** Every scheme this mazepa can derive ids with. @internal */
export const TASK_ID_SCHEMES: readonly TaskIdScheme[] = ['m3x86-128', 'sha256-128'];

/** A task id and whether it was derived from the arguments (else random). @internal */
export interface DerivedId {
  readonly id: string;
  /** Why the id is random: the codec's message naming the value that cannot be encoded. */
  readonly unencodable?: string;
}

/**
 * The deterministic id of a task: the operation name, then a hash of the stable JSON of the
 * encoded constructor and call arguments (and the operation's `version`, when it has one). The
 * same operation with the same arguments gives the same id in any process; an argument the codec
 * refuses gives a random id instead. The hashed text is `<operation>\0<JSON>`, then `\0v<version>`
 * when there is one; the id is `<operation>-<22 base64url characters of 128 bits of its hash>`.
 *
 * @internal
 */
export function deriveTaskId(
  operationName: string,
  args: readonly unknown[],
  constructorArgs?: readonly unknown[],
  version?: string | number,
  scheme: TaskIdScheme = TASK_ID_SCHEME,
): DerivedId {
  if (scheme === 'sha256-128') return deriveSha256Id(operationName, args, constructorArgs, version);
  // The text is written as bytes and hashed once: no intermediate strings for plain arguments.
  startIdText();
  writeIdUtf8(operationName);
  writeIdByte(0);
  if (constructorArgs !== undefined || !writeFlatJsonArgs(args)) {
    try {
      writeIdUtf8(stableStringify(encodedArgs(args, constructorArgs)));
    } catch (error) {
      return randomTaskId(operationName, error);
    }
  }
  // JSON text holds no raw U+0000: a versioned id never equals an unversioned one.
  if (version !== undefined) {
    writeIdByte(0);
    writeIdUtf8(`v${version}`);
  }
  // A concatenated string is a rope in V8, twice the size of a flat one once it is a map key:
  // the id is made flat at once, which matters at 10^6 ids.
  return { id: prefixedBase64url128(operationName, murmur3x86128(idTextBuffer(), idTextLength(), 0, out)) };
}

const encodedArgs = (args: readonly unknown[], constructorArgs: readonly unknown[] | undefined): unknown =>
  constructorArgs === undefined
    ? encodeValue(args, 'args')
    : [encodeValue(constructorArgs, 'constructorArgs'), encodeValue(args, 'args')];

const randomTaskId = (operationName: string, error: unknown): DerivedId => ({
  id: `${operationName}-random-${randomUUID()}`,
  unencodable: error instanceof Error ? error.message : String(error),
});

/** The ids of mazepa before 0.2 (scheme `sha256-128`), for checkpoints written then. */
function deriveSha256Id(
  operationName: string,
  args: readonly unknown[],
  constructorArgs: readonly unknown[] | undefined,
  version: string | number | undefined,
): DerivedId {
  let payload: string;
  try {
    // Strings, booleans and plain numbers encode as themselves, and an array of them stringifies
    // the same stably or not: the native JSON.stringify gives the very same text, faster.
    if (constructorArgs === undefined && isFlatJson(args)) payload = JSON.stringify(args);
    else payload = stableStringify(encodedArgs(args, constructorArgs));
  } catch (error) {
    return randomTaskId(operationName, error);
  }
  const hashed =
    version === undefined ? `${operationName}\u0000${payload}` : `${operationName}\u0000${payload}\u0000v${version}`;
  return { id: [operationName, digest(hashed)].join('-') };
}

const out: Hash128 = [0, 0, 0, 0];

/**
 * The id `task` would have under `scheme`, when its id was derived from its arguments (not given,
 * not random); else `undefined`. For reading checkpoints written with another scheme. @internal
 */
export function taskIdUnder(
  task: {
    readonly id: string;
    readonly operationName: string;
    readonly args: readonly unknown[];
    readonly constructorArgs: readonly unknown[] | undefined;
    readonly version: string | number | undefined;
    readonly unencodable: string | undefined;
  },
  scheme: TaskIdScheme,
): string | undefined {
  if (task.unencodable !== undefined) return undefined;
  const { operationName, args, constructorArgs, version } = task;
  if (deriveTaskId(operationName, args, constructorArgs, version).id !== task.id) return undefined; // given
  return deriveTaskId(operationName, args, constructorArgs, version, scheme).id;
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
