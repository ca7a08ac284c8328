/**
 * The worker's side of task packs: a pack's message is held until every task in it is done
 * with, then deleted; tasks that could not be done with (their outcome not sent, a message
 * rejected where nobody can be told, a task handed back as the worker stops) go back to the
 * task queue as messages of their own first, so that each meets its fate alone (reruns, the
 * dead-letter queue) and the others are not run again.
 */
import type { Message } from '@aws-sdk/client-sqs';
import { EnvelopeError } from '../../remote/envelope-error.js';
import { messageBytes } from '../../remote/envelope-text.js';
import type { PayloadRef } from '../payloads/payload-ref.js';
import { createLimiter, sendAll } from '../calls/send-messages.js';
import type { SqsConnection } from '../calls/sqs-connection.js';
import { isTaskPack, MAX_TASKS_PER_PACK, unpackTasks } from '../messages/task-pack.js';
import { decodeTaskEnvelope } from '../../remote/envelope.js';
import type { SigningKey } from '../../remote/envelope-signing.js';

/** @internal A message received, with its tasks when it is a valid pack. */
export interface OpenedMessage {
  readonly message: Message;
  /** The task messages of a pack; `undefined` for a message of one task (or not a valid pack). */
  readonly tasks: readonly string[] | undefined;
}

/** @internal What a pack's entries are checked against: the queue's signing key and its outcome queues. */
export interface PackCheck {
  readonly signingKey: SigningKey | undefined;
  /** Whether a reply address is an outcome queue of this task queue. */
  readonly mayReplyTo: (url: string) => boolean;
}

/**
 * @internal The task messages of a pack, or why the pack is refused whole: it does not decode,
 * holds more than {@link MAX_TASKS_PER_PACK} entries, or one of its entries is not a task message
 * of this task queue (it does not decode, fails its signature check, or replies elsewhere). A
 * refused pack is never split: no entry of it is sent anywhere, so a pack can make a worker send
 * no more messages than it holds valid tasks.
 */
export function readPack(body: string, check: PackCheck): string[] | EnvelopeError {
  let tasks: string[];
  try {
    tasks = unpackTasks(body);
  } catch (error) {
    return new EnvelopeError(`not a valid task pack: ${(error as Error).message}`, { cause: error });
  }
  if (tasks.length > MAX_TASKS_PER_PACK) {
    return new EnvelopeError(
      `a task pack of ${tasks.length} entries, more than the ${MAX_TASKS_PER_PACK} a pack may hold`,
    );
  }
  for (const [i, task] of tasks.entries()) {
    if (isTaskPack(task)) return new EnvelopeError('a task pack inside a task pack');
    try {
      const { replyTo } = decodeTaskEnvelope(task, { signingKey: check.signingKey });
      if (!check.mayReplyTo(replyTo))
        throw new EnvelopeError('its reply address is not an outcome queue of this task queue');
    } catch (error) {
      return new EnvelopeError(
        `a task pack whose entry ${i} is not a task message of this queue: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }
  return tasks;
}

/** @internal Opens a message; a pack refused by {@link readPack} is handled as one bad message. */
export function openMessage(message: Message, check: PackCheck): OpenedMessage {
  if (!isTaskPack(message.Body)) return { message, tasks: undefined };
  const tasks = readPack(message.Body, check);
  return { message, tasks: tasks instanceof Error ? undefined : tasks };
}

/** @internal Why a pack is not run as one (see {@link readPack}), or that it sits inside another pack. */
export function packError(body: string, check: PackCheck): Error {
  const tasks = readPack(body, check);
  return tasks instanceof Error ? tasks : new EnvelopeError('a task pack inside a task pack');
}

/** @internal How a task of a pack ended for its message. */
export type PackedTaskEnd = 'done' | 'kept' | 'handedBack';

/** @internal What {@link PackedMessages} does with messages, through the worker. */
export interface PackedMessagesOptions {
  readonly queue: SqsConnection;
  /** Deletes a message, then the payloads its tasks referred to. */
  readonly consume: (receipt: string, refs: readonly PayloadRef[]) => Promise<void>;
  /** Makes a message visible again at once. */
  readonly handBack: (receipt: string) => Promise<void>;
  /** Stops keeping a message hidden. */
  readonly release: (receipt: string) => void;
  readonly onError: (error: unknown) => void;
}

interface Pack {
  readonly receipt: string;
  readonly tasks: readonly string[];
  readonly ends: (PackedTaskEnd | undefined)[];
  readonly refs: PayloadRef[];
  left: number;
}

/** @internal The packs a worker holds, by the keys of their tasks. */
export class PackedMessages {
  readonly #options: PackedMessagesOptions;
  readonly #tasks = new Map<string, { readonly pack: Pack; readonly index: number }>();
  readonly #sends = createLimiter(2);

  constructor(options: PackedMessagesOptions) {
    this.#options = options;
  }

  /** Starts handling a pack of `count` tasks; returns their keys. */
  open(receipt: string, tasks: readonly string[]): string[] {
    const pack: Pack = { receipt, tasks, ends: [], refs: [], left: tasks.length };
    return tasks.map((_, index) => {
      const key = `${receipt}\n${index}`;
      this.#tasks.set(key, { pack, index });
      return key;
    });
  }

  /** Whether `key` is a task of a pack not yet done with. */
  has(key: string): boolean {
    return this.#tasks.has(key);
  }

  /**
   * A task of a pack is done with (its first end counts; later ones are ignored). Once all are,
   * the message is deleted (after sending the tasks not done back to the task queue alone), or
   * handed back whole when none ran.
   */
  async settle(key: string, end: PackedTaskEnd, ref?: PayloadRef): Promise<void> {
    const task = this.#tasks.get(key);
    if (task === undefined) return;
    this.#tasks.delete(key);
    const { pack, index } = task;
    pack.ends[index] = end;
    if (ref !== undefined) pack.refs.push(ref);
    if (--pack.left > 0) return;
    const { receipt, tasks, ends, refs } = pack;
    try {
      if (ends.every((e) => e === 'handedBack')) return await this.#options.handBack(receipt);
      const left = tasks.filter((_, i) => ends[i] !== 'done');
      if (left.length > 0) await this.#resend(left);
      await this.#options.consume(receipt, refs);
    } catch (error) {
      this.#options.onError(error); // the message stays: it comes back, and is split then
    } finally {
      this.#options.release(receipt);
    }
  }

  /**
   * A pack received before (its worker died, or failed to delete it): its tasks go back to the
   * task queue one message each, so that a task that kills its worker only takes itself to the
   * dead-letter queue; the tasks whose outcome came already are run again, their outcomes ignored.
   */
  async split(receipt: string, tasks: readonly string[]): Promise<void> {
    try {
      await this.#resend(tasks);
      await this.#options.consume(receipt, []);
    } catch (error) {
      this.#options.onError(error);
    } finally {
      this.#options.release(receipt);
    }
  }

  async #resend(tasks: readonly string[]): Promise<void> {
    const { client, url, name, retry } = this.#options.queue;
    const messages = tasks.map((body) => ({ body, bytes: messageBytes(body) }));
    await sendAll({ client, url, name, retry }, messages, this.#sends);
  }
}
