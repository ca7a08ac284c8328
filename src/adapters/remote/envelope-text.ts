/**
 * Envelopes as message text: JSON that SQS accepts, with a size limit checked on both ends.
 */
import { Buffer } from 'node:buffer';
import { EnvelopeError } from './envelope-error.js';

/**
 * The largest message SQS accepts, in bytes (256 KiB): the default limit of envelopes.
 *
 * @example
 * ```ts
 * import { MAX_MESSAGE_BYTES } from 'mazepa/sqs';
 * if (Buffer.byteLength(body) > MAX_MESSAGE_BYTES) throw new Error('too big for SQS');
 * ```
 */
export const MAX_MESSAGE_BYTES = 262_144;

/**
 * The newest envelope format this version writes and reads (the `v` field of every message).
 * Version 2 added a task's `build` and operation `version`, and the worker and lost-task fields
 * of errors sent back. Version 3 added a task's W3C trace context (`traceparent`, `tracestate`):
 * only a task message that carries one is written as version 3 (its run has an OpenTelemetry SDK
 * recording it); other messages stay version 2, which workers of version 2 read. A worker of
 * version 2 refuses a message of version 3 with an error naming both versions, which its run
 * receives as the task's failure.
 *
 * @example
 * ```ts
 * import { ENVELOPE_VERSION } from 'mazepa/sqs';
 * console.log(JSON.parse(messageBody).v <= ENVELOPE_VERSION);
 * ```
 */
export const ENVELOPE_VERSION = 3;

/** @internal The version of messages without a trace context (outcomes, notices, untraced tasks). */
export const PLAIN_ENVELOPE_VERSION = 2;

/** @internal The oldest envelope format this version reads. */
export const OLDEST_ENVELOPE_VERSION = 1;

/**
 * @internal The format of the messages that wrap envelopes (task and outcome packs, payload
 * references): unchanged by version 2, so that a worker of version 1 opens them and refuses the
 * envelopes inside by their version.
 */
export const WRAPPER_VERSION = 1;

// JSON.stringify escapes control characters and lone surrogates, but not these two, which SQS
// refuses in a message body; inside JSON text they can only occur in strings, so escaping is safe.
const NON_CHARACTERS = /[\uFFFE\uFFFF]/g;

/** @internal `value` as JSON text SQS accepts. */
export function toMessageText(value: unknown): string {
  const text = JSON.stringify(value);
  return NON_CHARACTERS.test(text) ? text.replace(NON_CHARACTERS, (c) => `\\u${c.charCodeAt(0).toString(16)}`) : text;
}

/** @internal The size of a message text in UTF-8 bytes, the measure SQS limits. */
export function messageBytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** @internal Parses message text of at most `maxBytes` bytes; only `EnvelopeError`s escape. */
export function parseMessageText(text: unknown, what: string, maxBytes: number): unknown {
  if (typeof text !== 'string') throw new EnvelopeError(`${what} must be a string, not a ${typeof text}`);
  // A UTF-16 code unit is at most 3 UTF-8 bytes: short texts need no measuring.
  if (text.length * 3 > maxBytes) {
    const size = Buffer.byteLength(text, 'utf8');
    if (size > maxBytes) throw new EnvelopeError(`${what} is ${size} bytes, over the limit of ${maxBytes} bytes`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new EnvelopeError(`${what} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
