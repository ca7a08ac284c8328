/**
 * Several outcome messages in one SQS message: a worker packs the outcomes that finish close
 * together for the same outcome queue, and the orchestrator reads each one as if it had come
 * alone (each keeps its own signature, and a bad one fails only its own task).
 */
import { EnvelopeError } from '../remote/envelope-error.js';
import { plainObject } from '../remote/envelope-fields.js';
import {
  ENVELOPE_VERSION,
  MAX_MESSAGE_BYTES,
  messageBytes,
  parseMessageText,
  toMessageText,
} from '../remote/envelope-text.js';

const KIND = 'outcomes';
const FIELDS = new Set(['v', 'kind', 'outcomes']);
const WHAT = 'outcome pack';
const PREFIX = `{"v":${ENVELOPE_VERSION},"kind":"${KIND}"`;

/** @internal The bytes a pack adds around its outcomes. */
export const PACK_OVERHEAD = messageBytes(`${PREFIX},"outcomes":[]}`);

/** @internal The bytes an outcome message takes inside a pack (quoted, and a comma). */
export function packedBytes(body: string): number {
  return messageBytes(toMessageText(body)) + 1;
}

/** @internal Whether outcomes of these packed sizes fit one message. */
export function packFits(sizes: readonly number[], limit = MAX_MESSAGE_BYTES): boolean {
  return sizes.reduce((sum, size) => sum + size, PACK_OVERHEAD) <= limit;
}

/** @internal One message holding several outcome messages. */
export function packOutcomes(bodies: readonly string[]): string {
  return toMessageText({ v: ENVELOPE_VERSION, kind: KIND, outcomes: bodies });
}

/** @internal Whether a message body is a pack (it may still fail to decode). */
export function isOutcomePack(body: unknown): body is string {
  return typeof body === 'string' && body.startsWith(PREFIX);
}

/** @internal The outcome messages of a pack; an `EnvelopeError` unless it is a valid one. */
export function unpackOutcomes(body: unknown): string[] {
  const fields = plainObject(parseMessageText(body, WHAT, MAX_MESSAGE_BYTES), WHAT, FIELDS);
  if (fields.v !== ENVELOPE_VERSION || fields.kind !== KIND) {
    throw new EnvelopeError(`${WHAT} has version ${JSON.stringify(fields.v)} and kind ${JSON.stringify(fields.kind)}`);
  }
  const { outcomes } = fields;
  if (!Array.isArray(outcomes) || outcomes.length === 0 || outcomes.some((o) => typeof o !== 'string')) {
    throw new EnvelopeError(`${WHAT} field "outcomes" must be a non-empty array of strings`);
  }
  return outcomes as string[];
}
