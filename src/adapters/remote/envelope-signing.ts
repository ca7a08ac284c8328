/**
 * HMAC-SHA256 signatures of envelopes, over the canonical JSON of every field but the signature.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
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

/**
 * @internal The deepest nesting of arrays and objects a signed envelope may hold: room for the
 * codec's own limit (512 values, tagged values nest twice) and the envelope around it.
 */
export const MAX_SIGNED_DEPTH = 1100;

/**
 * @internal The signature of `fields` (which must not hold `sig`), base64url. `parsed` says the
 * fields were read from message text: a `-0` there was written as `-0` (the codec reads it
 * apart from `0`), which no signer writes (`JSON.stringify` writes `-0` as `0`), so it never
 * verifies.
 */
export function signFields(fields: object, key: SigningKey, parsed = false): string {
  return createHmac('sha256', key)
    .update(canonicalJson(fields, 0, parsed))
    .digest('base64url');
}

/**
 * @internal Checks the `sig` of a parsed envelope against `key`; throws an `EnvelopeError` when
 * the signature is missing, not in its one canonical encoding, or does not match.
 */
export function verifyFields(fields: Readonly<Record<string, unknown>>, key: SigningKey, what: string): void {
  const { sig, ...rest } = fields;
  if (typeof sig !== 'string') throw new EnvelopeError(`${what} is not signed, and a signing key is configured`);
  // The text itself is compared, not the bytes it decodes to: base64url has other spellings of
  // the same bytes (padding, ignored characters), and only one may verify.
  const expected = Buffer.from(signFields(rest, key, true), 'latin1');
  const given = Buffer.from(sig, 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new EnvelopeError(`${what} has a signature that does not match the signing key`);
  }
}

/**
 * The stable JSON text of a value: object keys sorted, `undefined` left out (as `JSON.stringify`
 * does), and `-0` as `JSON.stringify` writes it (`0`), or as `-0` when `parsed`. Nesting deeper
 * than {@link MAX_SIGNED_DEPTH}, or a number that is not finite (no JSON text holds one: `1e999`
 * parses to Infinity), throws an `EnvelopeError`, never a `RangeError`, and is never signed.
 */
function canonicalJson(value: unknown, depth: number, parsed: boolean): string {
  if (typeof value === 'number') {
    if (Object.is(value, -0)) return parsed ? '-0' : '0';
    // JSON text such as `1e999` parses to Infinity: hashed as `null`, it would verify in place of a `null`.
    if (!Number.isFinite(value)) throw new EnvelopeError(`message holds a number that is not finite (${value})`);
    return String(value);
  }
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
  if (depth >= MAX_SIGNED_DEPTH) {
    throw new EnvelopeError(`message nests arrays and objects deeper than ${MAX_SIGNED_DEPTH} levels`);
  }
  if (Array.isArray(value)) {
    const items = value.map((item: unknown) => (item === undefined ? 'null' : canonicalJson(item, depth + 1, parsed)));
    return `[${items.join(',')}]`;
  }
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const item = record[key];
    if (item !== undefined) parts.push(`${JSON.stringify(key)}:${canonicalJson(item, depth + 1, parsed)}`);
  }
  return `{${parts.join(',')}}`;
}

/** @internal Validates a `signingKey` option once. */
export function checkSigningKey(owner: string, key: unknown): SigningKey | undefined {
  if (key === undefined) return undefined;
  if ((typeof key === 'string' || key instanceof Uint8Array) && key.length > 0) return key;
  throw new TypeError(`${owner}: option 'signingKey' must be a non-empty string or Uint8Array, received ${typeof key}`);
}
