import { createHash } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import { resolveAdminOptions, withClient, type QueueAdminOptions } from './queue-admin-options.js';
import { findDeadLetter, findQueueUrl } from '../calls/dead-letter-queue.js';
import { SQS_BATCH_LIMIT } from '../calls/batch-limit.js';
import { deleteMessageBatch, releaseMessages } from '../calls/message-batches.js';
import type { QueueEndpoint } from '../calls/queue-endpoint.js';
import { receiveMessages } from '../calls/receive-messages.js';
import { packBatches, sendBatch } from '../calls/send-messages.js';
import { SqsQueueError } from '../calls/sqs-error.js';
import { ADMIN_BUDGET } from '../calls/sqs-retry.js';
import { isOutcomeQueueUrl, outcomeQueuePrefix } from '../calls/queue-names.js';
import { isTaskPack, MAX_TASKS_PER_PACK, unpackTasks } from '../messages/task-pack.js';
import { decodePayloadRef, isPayloadRef } from '../payloads/payload-ref.js';
import { decodeTaskEnvelope } from '../../remote/envelope.js';

/**
 * Options of {@link redriveDeadLetters}: those of {@link inspectQueues}, and how many to move.
 *
 * @example
 * ```ts
 * import { redriveDeadLetters } from 'mazepa/sqs';
 * await redriveDeadLetters({ queueName: 'mazepa-tasks', maxMessages: 100 });
 * ```
 */
export interface RedriveOptions extends QueueAdminOptions {
  /** Move at most this many messages. @default Infinity (until the dead-letter queue is empty) */
  readonly maxMessages?: number;
  /** Seconds each receive from the dead-letter queue waits for messages before the pass ends. @default 1 */
  readonly waitTimeSeconds?: number;
  /**
   * Called once at the end of the pass with how many messages were left in the dead-letter queue
   * because they are not mazepa task messages of this task queue (another application's messages
   * in a shared dead-letter queue, or messages nobody can run here). @default none
   */
  readonly onLeft?: (left: number) => void;
}

/** How long a message received from the dead-letter queue stays hidden while it is moved. */
const HOLD_SEC = 120;

/**
 * Moves the messages of a task queue's dead-letter queue (the one its redrive policy names)
 * back to the task queue, where workers run them again: only mazepa task messages of this task
 * queue (a task, a task pack or a payload reference whose reply address is an outcome queue of
 * it); any other message stays in the dead-letter queue, and their number goes to `onLeft`. Ten at a time: each message is sent to
 * the task queue first and deleted from the dead-letter queue only once sent, so none is lost
 * (one may be moved twice if the process dies in between). A message that comes back to the
 * dead-letter queue during the pass (it failed again) is left there. Rejects with an
 * `SqsQueueError` that says how many were moved; the messages of the batch that failed stay in
 * (or go back to) the dead-letter queue.
 *
 * @returns the number of messages moved
 * @example
 * ```ts
 * import { redriveDeadLetters } from 'mazepa/sqs';
 * const moved = await redriveDeadLetters({ queueName: 'mazepa-tasks' });
 * console.log(`${moved} message(s) back in mazepa-tasks`);
 * ```
 */
export async function redriveDeadLetters(options: RedriveOptions): Promise<number> {
  const { queueName } = resolveAdminOptions(options, 'redriveDeadLetters');
  const { maxMessages = Infinity, waitTimeSeconds = 1 } = options;
  if (
    typeof maxMessages !== 'number' ||
    !(maxMessages >= 0) ||
    (maxMessages !== Infinity && !Number.isInteger(maxMessages))
  ) {
    throw new TypeError(
      `redriveDeadLetters: option 'maxMessages' must be a whole number >= 0, received ${String(maxMessages)}`,
    );
  }
  if (!Number.isInteger(waitTimeSeconds) || waitTimeSeconds < 0 || waitTimeSeconds > 20) {
    throw new TypeError(
      `redriveDeadLetters: option 'waitTimeSeconds' must be a whole number from 0 to 20, received ${String(waitTimeSeconds)}`,
    );
  }
  return withClient(options, async (client) => {
    const taskUrl = await findQueueUrl(client, queueName);
    if (taskUrl === undefined) {
      throw new SqsQueueError(`redriveDeadLetters: the task queue '${queueName}' does not exist`, {
        queueName,
        operation: 'GetQueueUrl',
      });
    }
    const deadLetter = await findDeadLetter(client, taskUrl, queueName);
    if (deadLetter === undefined) {
      options.onLeft?.(0);
      return 0;
    }
    const from = { client, url: deadLetter.url, name: deadLetter.name, retry: ADMIN_BUDGET };
    const to = { client, url: taskUrl, name: queueName, retry: ADMIN_BUDGET };
    const ours = (body: string): boolean => isTaskMessageOf(body, taskUrl, outcomeQueuePrefix(queueName));
    const left: Message[] = [];
    try {
      return await movePass(from, to, maxMessages, waitTimeSeconds, ours, left);
    } finally {
      // Hidden for the pass, so that it ends: visible again now.
      for (let i = 0; i < left.length; i += SQS_BATCH_LIMIT) await release(from, left.slice(i, i + SQS_BATCH_LIMIT));
      options.onLeft?.(left.length);
    }
  });
}

async function movePass(
  from: QueueEndpoint,
  to: QueueEndpoint,
  max: number,
  wait: number,
  ours: (body: string) => boolean,
  left: Message[],
): Promise<number> {
  const sentBodies = new Set<string>();
  let moved = 0;
  while (moved < max) {
    const received = await receive(from, Math.min(SQS_BATCH_LIMIT, max - moved), wait);
    if (received.length === 0) break;
    // Another application's message (or one nobody can run here) stays, hidden until the pass ends.
    const messages = received.filter((m) => ours(m.Body!) || (left.push(m), false));
    // A body moved earlier in this pass is back: its task failed again; leave it where it is.
    const fresh = messages.filter((m) => !sentBodies.has(bodyDigest(m.Body!)));
    try {
      let offset = 0;
      for (const batch of packBatches(fresh.map((m) => ({ body: m.Body!, bytes: Buffer.byteLength(m.Body!) })))) {
        const group = fresh.slice(offset, (offset += batch.length));
        const errors = await sendBatch(to, batch).catch(async (error: unknown) => {
          await release(from, group);
          throw error;
        });
        const sent = group.filter((_, i) => errors[i] === undefined);
        moved += sent.length;
        for (const m of sent) sentBodies.add(bodyDigest(m.Body!));
        await remove(from, sent);
        const failed = errors.find((e) => e !== undefined);
        if (failed !== undefined) {
          await release(
            from,
            group.filter((_, i) => errors[i] !== undefined),
          );
          throw failed;
        }
      }
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new SqsQueueError(
        `Moving dead letters from '${from.name}' to '${to.name}' stopped after ${moved} message(s): ${detail}`,
        { queueName: from.name, operation: 'redrive', cause: error },
      );
    }
  }
  return moved;
}

async function receive(from: QueueEndpoint, count: number, wait: number): Promise<Message[]> {
  const messages = await receiveMessages(from, { max: count, waitSeconds: wait, visibilityTimeoutSec: HOLD_SEC });
  return messages.filter((m) => m.Body !== undefined && m.ReceiptHandle !== undefined);
}

/** Deletes messages from the dead-letter queue once they are in the task queue. */
async function remove(from: QueueEndpoint, messages: readonly Message[]): Promise<void> {
  if (messages.length === 0) return;
  const errors = await deleteMessageBatch(
    from,
    messages.map((m) => m.ReceiptHandle!),
  );
  const failed = errors.filter((e) => e !== undefined).length;
  if (failed > 0) {
    throw new SqsQueueError(
      `SQS DeleteMessageBatch on queue '${from.name}' left ${failed} message(s) that are now in both queues ` +
        '(they will run twice if moved again)',
      { queueName: from.name, operation: 'DeleteMessageBatch' },
    );
  }
}

/** Makes messages visible again in the dead-letter queue, best effort (else after HOLD_SEC). */
async function release(from: QueueEndpoint, messages: readonly Message[]): Promise<void> {
  await releaseMessages(
    from,
    messages.map((m) => m.ReceiptHandle!),
  );
}

/** Whether a message is a mazepa task message (a task, a task pack, a task's payload reference) of this task queue. */
function isTaskMessageOf(body: string, taskUrl: string, outcomePrefix: string): boolean {
  const repliesHere = (replyTo: string | undefined): boolean =>
    replyTo !== undefined && isOutcomeQueueUrl(replyTo, taskUrl, outcomePrefix);
  try {
    if (isTaskPack(body)) {
      const tasks = unpackTasks(body);
      return tasks.length <= MAX_TASKS_PER_PACK && tasks.every((task) => repliesHere(decodeTaskEnvelope(task).replyTo));
    }
    if (isPayloadRef(body)) {
      const ref = decodePayloadRef(body);
      return ref.of === 'task' && repliesHere(ref.replyTo);
    }
    return repliesHere(decodeTaskEnvelope(body).replyTo);
  } catch {
    return false; // not a mazepa message this mazepa reads
  }
}

function bodyDigest(body: string): string {
  return createHash('sha256').update(body).digest('base64url');
}
