/**
 * Several task messages in one SQS message: the orchestrator packs the small tasks of a large
 * push, and a worker runs each one as if it had come alone (each keeps its own envelope,
 * signature and attempt, so a bad one fails only its own task). The pack itself carries nothing
 * to trust: it is a list of task messages.
 */
import { messagePack, quotedEntry } from './message-pack.js';
import type { OutgoingMessage } from '../calls/send-messages.js';

const TASK_PACK = messagePack('tasks', 'task pack');
const OVERHEAD = TASK_PACK.overhead;

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

/**
 * @internal The most tasks one pack may hold: the largest `maxTasksPerMessage`. A worker refuses
 * a pack of more (whatever its own queue's setting: the orchestrator's may be larger).
 */
export const MAX_TASKS_PER_PACK = 1000;

/** @internal One message holding several task messages. */
export const packTasks = TASK_PACK.pack;

/** @internal Whether a message body is a task pack (it may still fail to decode). */
export const isTaskPack = TASK_PACK.isPack;

/** @internal The task messages of a pack; an `EnvelopeError` unless it is a valid one. */
export const unpackTasks = TASK_PACK.unpack;

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
export function packTaskMessages(messages: readonly TaskMessage[], maxPerMessage: number): readonly OutgoingMessage[] {
  const packable = messages.reduce((n, m) => (m.packable ? n + 1 : n), 0);
  const perMessage = tasksPerMessage(packable, maxPerMessage);
  if (perMessage === 1) return messages;
  const out: OutgoingMessage[] = [];
  let entries: string[] = [];
  let lone: OutgoingMessage | undefined; // the first message of the pack under way, as it is
  let bytes = OVERHEAD;
  const flush = (): void => {
    if (entries.length === 1) out.push(lone!);
    else if (entries.length > 1) out.push({ body: TASK_PACK.packQuoted(entries), bytes });
    entries = [];
    bytes = OVERHEAD;
  };
  for (const message of messages) {
    const quoted = message.packable ? quotedEntry(message.body, message.bytes) : undefined;
    if (quoted === undefined || quoted.bytes + OVERHEAD > MAX_PACK_BYTES) {
      flush();
      out.push(message);
      continue;
    }
    if (entries.length === perMessage || bytes + quoted.bytes > MAX_PACK_BYTES) flush();
    if (entries.length === 0) lone = message;
    entries.push(quoted.entry);
    bytes += quoted.bytes;
  }
  flush();
  return out;
}
