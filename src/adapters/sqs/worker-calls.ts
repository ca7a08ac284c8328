/**
 * The SQS calls of a worker, each wrapped once with the queue named, and retried on transient
 * errors for up to the worker's outage budget.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { messageBytes, MAX_MESSAGE_BYTES } from '../remote/envelope-text.js';
import { batchCall } from './batch-call.js';
import { MicroBatcher } from './micro-batcher.js';
import { queueNameFromUrl } from './queue-names.js';
import type { SqsConnection } from './sqs-execution-queue.js';
import { isQueueMissing } from './sqs-error.js';
import { retrying } from './sqs-retry.js';
import { sendBatch } from './send-messages.js';

/**
 * @internal Receives up to `max` task messages, waiting up to `waitSeconds` for the first. Any
 * error but a missing queue is tried again (a worker must not exit on one) until the receive has
 * failed for the outage budget; aborting `signal` ends it at once.
 */
export async function receiveTasks(
  queue: SqsConnection,
  max: number,
  waitSeconds: number,
  signal: AbortSignal,
): Promise<Message[]> {
  return retrying(
    queue.retry,
    'ReceiveMessage',
    queue.name,
    async () => {
      const response = await queue.client.send(
        new ReceiveMessageCommand({
          QueueUrl: queue.url,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: waitSeconds,
          VisibilityTimeout: queue.options.visibilityTimeoutSec,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
        { abortSignal: signal },
      );
      return response.Messages ?? [];
    },
    { signal, retryable: (error) => !isQueueMissing(error) },
  );
}

/** @internal Outcome messages, batched per outcome queue. */
export function replyBatcher(queue: SqsConnection): MicroBatcher<{ body: string; bytes: number }> {
  return new MicroBatcher(
    (url, items) =>
      sendBatch(
        { client: queue.client, url, name: queueNameFromUrl(url), retry: queue.retry },
        items.map((i) => i.body),
      ),
    10,
    (batch, item) => batch.reduce((sum, i) => sum + i.bytes, item.bytes) <= MAX_MESSAGE_BYTES,
  );
}

/** @internal An outcome message ready for {@link replyBatcher}. */
export function reply(body: string): { body: string; bytes: number } {
  return { body, bytes: messageBytes(body) };
}

/** @internal Task message deletions, batched. */
export function deleteBatcher(queue: SqsConnection): MicroBatcher<string> {
  return new MicroBatcher((url, receipts) => entryCall(queue, 'DeleteMessageBatch', url, receipts));
}

/**
 * @internal Extends the visibility of running tasks' messages, ten at a time. Retried for no
 * longer than the visibility timeout: after that the receipts are stale anyway.
 */
export async function extendVisibility(queue: SqsConnection, receipts: readonly string[]): Promise<void> {
  const calls: Promise<unknown>[] = [];
  for (let i = 0; i < receipts.length; i += 10) {
    calls.push(entryCall(queue, 'ChangeMessageVisibilityBatch', queue.url, receipts.slice(i, i + 10)));
  }
  await Promise.all(calls);
}

/** @internal Makes a held message visible to every worker again at once. */
export async function returnMessage(queue: SqsConnection, receipt: string): Promise<void> {
  await retrying(
    queue.retry,
    'ChangeMessageVisibility',
    queue.name,
    () =>
      queue.client.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: queue.url, ReceiptHandle: receipt, VisibilityTimeout: 0 }),
      ),
    { maxOutageMs: queue.options.visibilityTimeoutSec * 1000 },
  );
}

function entryCall(
  queue: SqsConnection,
  operation: 'DeleteMessageBatch' | 'ChangeMessageVisibilityBatch',
  url: string,
  receipts: readonly string[],
): Promise<(Error | undefined)[]> {
  const visibility = queue.options.visibilityTimeoutSec;
  const extend = operation === 'ChangeMessageVisibilityBatch';
  return batchCall(
    queue.retry,
    operation,
    queue.name,
    receipts.length,
    async (indices) => {
      const Entries = indices.map((i) => ({
        Id: String(i),
        ReceiptHandle: receipts[i]!,
        ...(extend ? { VisibilityTimeout: visibility } : {}),
      }));
      const response = extend
        ? await queue.client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries }))
        : await queue.client.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries }));
      return response.Failed;
    },
    extend ? { maxOutageMs: visibility * 1000 } : {},
  );
}
