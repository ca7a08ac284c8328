/**
 * Several task messages in one SQS message: the orchestrator packs the small tasks of a large
 * push, and a worker runs each one as if it had come alone (each keeps its own envelope,
 * signature and attempt, so a bad one fails only its own task). The pack itself carries nothing
 * to trust: it is a list of task messages.
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
import type { OutgoingMessage } from './send-messages.js';

const KIND = 'tasks';
const FIELDS = new Set(['v', 'kind', 'tasks']);
const WHAT = 'task pack';
const PREFIX = `{"v":${ENVELOPE_VERSION},"kind":"${KIND}"`;
const OVERHEAD = messageBytes(`${PREFIX},"tasks":[]}`);

/**
 * @internal The most bytes a pack holds: SQS bills a request per 64 KiB of payload, so a bigger
 * pack saves no money, and it would crowd the 256 KiB of a SendMessageBatch.
 */
export const MAX_PACK_BYTES = 65_536;

/**
 * @internal A push is split into at least this many messages before tasks are packed: a push of
 * `n` tasks packs at most `n / 100` of them in one message, so that its messages still spread
 * over up to 100 workers (or slots).
 */
export const MIN_MESSAGES_PER_PUSH = 100;

/** @internal A task message ready to send; `packable` when it may travel in a pack. */
export interface TaskMessage extends OutgoingMessage {
  readonly packable: boolean;
}

/** @internal One message holding several task messages. */
export function packTasks(bodies: readonly string[]): string {
  return toMessageText({ v: ENVELOPE_VERSION, kind: KIND, tasks: bodies });
}

/** @internal Whether a message body is a task pack (it may still fail to decode). */
export function isTaskPack(body: unknown): body is string {
  return typeof body === 'string' && body.startsWith(PREFIX);
}

/** @internal The task messages of a pack; an `EnvelopeError` unless it is a valid one. */
export function unpackTasks(body: unknown): string[] {
  const fields = plainObject(parseMessageText(body, WHAT, MAX_MESSAGE_BYTES), WHAT, FIELDS);
  if (fields.v !== ENVELOPE_VERSION || fields.kind !== KIND) {
    throw new EnvelopeError(`${WHAT} has version ${JSON.stringify(fields.v)} and kind ${JSON.stringify(fields.kind)}`);
  }
  const { tasks } = fields;
  if (!Array.isArray(tasks) || tasks.length === 0 || tasks.some((t) => typeof t !== 'string')) {
    throw new EnvelopeError(`${WHAT} field "tasks" must be a non-empty array of strings`);
  }
  return tasks as string[];
}

/**
 * @internal How many tasks of a push of `count` go in one message: `maxPerMessage`, but no more
 * than keeps the push at {@link MIN_MESSAGES_PER_PUSH} messages; 1 for small pushes.
 */
export function tasksPerMessage(count: number, maxPerMessage: number): number {
  return Math.max(1, Math.min(maxPerMessage, Math.floor(count / MIN_MESSAGES_PER_PUSH)));
}

/**
 * @internal The messages of a push, the packable ones packed in order, up to `perMessage` tasks
 * and {@link MAX_PACK_BYTES} a pack; the others (payload references, big tasks) travel alone.
 */
export function packTaskMessages(
  messages: readonly TaskMessage[],
  maxPerMessage: number,
): readonly OutgoingMessage[] {
  const packable = messages.reduce((n, m) => (m.packable ? n + 1 : n), 0);
  const perMessage = tasksPerMessage(packable, maxPerMessage);
  if (perMessage === 1) return messages;
  const out: OutgoingMessage[] = [];
  let bodies: string[] = [];
  let bytes = OVERHEAD;
  const flush = (): void => {
    if (bodies.length === 1) out.push({ body: bodies[0]!, bytes: messageBytes(bodies[0]!) });
    else if (bodies.length > 1) out.push({ body: packTasks(bodies), bytes });
    bodies = [];
    bytes = OVERHEAD;
  };
  for (const message of messages) {
    // Inside a pack a message is a JSON string: quoted, escaped, and a comma.
    const packed = message.packable ? messageBytes(toMessageText(message.body)) + 1 : Infinity;
    if (packed + OVERHEAD > MAX_PACK_BYTES) {
      flush();
      out.push(message);
      continue;
    }
    if (bodies.length === perMessage || bytes + packed > MAX_PACK_BYTES) flush();
    bodies.push(message.body);
    bytes += packed;
  }
  flush();
  return out;
}
