/**
 * The messages room: the SQS-only message formats, packs of several task (or outcome) messages in
 * one SQS message; the envelopes themselves are in `adapters/remote`. This file is the format
 * both packs share: one SQS message holding several messages of one kind
 * (`{"v":1,"kind":"<kind>","<kind>":[…]}`), each a string that keeps its own envelope and
 * signature. The format of task packs and outcome packs; the pack itself carries nothing to
 * trust.
 */
import { EnvelopeError } from '../../remote/envelope-error.js';
import { plainObject } from '../../remote/envelope-fields.js';
import {
  WRAPPER_VERSION,
  MAX_MESSAGE_BYTES,
  messageBytes,
  parseMessageText,
  toMessageText,
} from '../../remote/envelope-text.js';

/** @internal The pack format of one kind of message. */
export interface MessagePack {
  /** The bytes a pack adds around its messages. */
  readonly overhead: number;
  /** One message holding these messages. */
  pack(bodies: readonly string[]): string;
  /**
   * The same message as {@link pack}, from its entries quoted already ({@link quotedEntry}): no
   * entry is written twice.
   */
  packQuoted(entries: readonly string[]): string;
  /** Whether a message body is a pack of this kind (it may still fail to decode). */
  isPack(body: unknown): body is string;
  /** The messages of a pack; an `EnvelopeError` unless it is a valid one. */
  unpack(body: unknown): string[];
}

/** @internal The bytes a message takes inside a pack (quoted, escaped, and a comma). */
export function packedBytes(body: string): number {
  return messageBytes(toMessageText(body)) + 1;
}

/**
 * @internal A message as an entry of a pack (JSON-quoted), and the bytes it takes there with
 * its comma, from `bytes`, its own size: the quoting adds only ASCII escapes. `undefined` for a
 * message holding U+FFFE or U+FFFF, which a pack escapes further (never one of our envelopes,
 * whose text escapes them already).
 */
export function quotedEntry(body: string, bytes: number): { readonly entry: string; readonly bytes: number } | undefined {
  const entry = JSON.stringify(body);
  if (NON_CHARACTER.test(entry)) return undefined;
  // A lone surrogate counts 3 bytes in `bytes` and 6 once escaped, here 5 more: never too few.
  return { entry, bytes: bytes + entry.length - body.length + 1 };
}

const NON_CHARACTER = /[\uFFFE\uFFFF]/;

/** @internal The pack format whose kind and list field are `kind`; `what` names it in errors. */
export function messagePack(kind: 'tasks' | 'outcomes', what: string): MessagePack {
  const fieldNames = new Set(['v', 'kind', kind]);
  const prefix = `{"v":${WRAPPER_VERSION},"kind":"${kind}"`;
  return {
    overhead: messageBytes(`${prefix},"${kind}":[]}`),
    pack: (bodies) => toMessageText({ v: WRAPPER_VERSION, kind, [kind]: bodies }),
    packQuoted: (entries) => `${prefix},"${kind}":[${entries.join(',')}]}`,
    isPack: (body): body is string => typeof body === 'string' && body.startsWith(prefix),
    unpack(body) {
      const fields = plainObject(parseMessageText(body, what, MAX_MESSAGE_BYTES), what, fieldNames);
      if (fields.v !== WRAPPER_VERSION || fields.kind !== kind) {
        throw new EnvelopeError(
          `${what} has version ${JSON.stringify(fields.v)} and kind ${JSON.stringify(fields.kind)}`,
        );
      }
      const list = fields[kind];
      if (!Array.isArray(list) || list.length === 0 || list.some((item) => typeof item !== 'string')) {
        throw new EnvelopeError(`${what} field "${kind}" must be a non-empty array of strings`);
      }
      return list as string[];
    },
  };
}
