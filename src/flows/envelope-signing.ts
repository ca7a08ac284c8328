/**
 * HMAC-SHA256 signatures of envelopes, over the stable JSON of every field but the signature.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import stableStringify from 'fast-json-stable-stringify';
import { EnvelopeError } from './envelope-error.js';

/**
 * A shared secret that signs and verifies messages: a string (UTF-8) or bytes.
 *
 * @example
 * ```ts
 * import { SqsExecutionQueue, type SigningKey } from 'mazepa/sqs';
 * const signingKey: SigningKey = process.env.MAZEPA_SIGNING_KEY!;
 * const queue = new SqsExecutionQueue({ queueName: 'mazepa-tasks', signingKey });
 * ```
 */
export type SigningKey = string | Uint8Array;

/** @internal The signature of `fields` (which must not hold `sig`), base64url. */
export function signFields(fields: object, key: SigningKey): string {
  return createHmac('sha256', key).update(stableStringify(fields)).digest('base64url');
}

/**
 * @internal Checks the `sig` of a parsed envelope against `key`; throws an `EnvelopeError` when
 * the signature is missing or does not match.
 */
export function verifyFields(fields: Readonly<Record<string, unknown>>, key: SigningKey, what: string): void {
  const { sig, ...rest } = fields;
  if (typeof sig !== 'string') throw new EnvelopeError(`${what} is not signed, and a signing key is configured`);
  const expected = Buffer.from(signFields(rest, key), 'base64url');
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new EnvelopeError(`${what} has a signature that does not match the signing key`);
  }
}

/** @internal Validates a `signingKey` option once. */
export function checkSigningKey(owner: string, key: unknown): SigningKey | undefined {
  if (key === undefined) return undefined;
  if ((typeof key === 'string' || key instanceof Uint8Array) && key.length > 0) return key;
  throw new TypeError(`${owner}: option 'signingKey' must be a non-empty string or Uint8Array, received ${typeof key}`);
}
