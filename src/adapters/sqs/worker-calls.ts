/**
 * The SQS calls of a worker, each wrapped once with the queue named.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { messageBytes, MAX_MESSAGE_BYTES } from '../../flows/envelope-text.js';
import { MicroBatcher } from './micro-batcher.js';
import { queueNameFromUrl } from './queue-names.js';
import type { SqsConnection } from './sqs-execution-queue.js';
import { SqsQueueError, wrapSqsError } from './sqs-error.js';
import { sendBatch } from './send-messages.js';

/** @internal Receives up to `max` task messages, waiting up to `waitSeconds` for the first. */
export async function receiveTasks(
  queue: SqsConnection,
  max: number,
  waitSeconds: number,
  signal: AbortSignal,
): Promise<Message[]> {
  try {
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
  } catch (error) {
    throw wrapSqsError(error, 'ReceiveMessage', queue.name);
  }
}

/** @internal Outcome messages, batched per outcome queue. */
export function replyBatcher(queue: SqsConnection): MicroBatcher<{ body: string; bytes: number }> {
  return new MicroBatcher(
    (url, items) =>
      sendBatch(
        { client: queue.client, url, name: queueNameFromUrl(url) },
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

/** @internal Extends the visibility of running tasks' messages, ten at a time. */
export async function extendVisibility(queue: SqsConnection, receipts: readonly string[]): Promise<void> {
  const calls: Promise<unknown>[] = [];
  for (let i = 0; i < receipts.length; i += 10) {
    calls.push(entryCall(queue, 'ChangeMessageVisibilityBatch', queue.url, receipts.slice(i, i + 10)));
  }
  await Promise.all(calls);
}

/** @internal Makes a held message visible to every worker again at once. */
export async function returnMessage(queue: SqsConnection, receipt: string): Promise<void> {
  try {
    await queue.client.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: queue.url, ReceiptHandle: receipt, VisibilityTimeout: 0 }),
    );
  } catch (error) {
    throw wrapSqsError(error, 'ChangeMessageVisibility', queue.name);
  }
}

async function entryCall(
  queue: SqsConnection,
  operation: 'DeleteMessageBatch' | 'ChangeMessageVisibilityBatch',
  url: string,
  receipts: readonly string[],
): Promise<(Error | undefined)[]> {
  const Entries = receipts.map((ReceiptHandle, i) => ({
    Id: String(i),
    ReceiptHandle,
    ...(operation === 'ChangeMessageVisibilityBatch' ? { VisibilityTimeout: queue.options.visibilityTimeoutSec } : {}),
  }));
  let failed;
  try {
    const response =
      operation === 'DeleteMessageBatch'
        ? await queue.client.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries }))
        : await queue.client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries }));
    failed = response.Failed ?? [];
  } catch (error) {
    throw wrapSqsError(error, operation, queue.name);
  }
  const results: (Error | undefined)[] = receipts.map(() => undefined);
  for (const f of failed) {
    results[Number(f.Id)] = new SqsQueueError(
      `SQS ${operation} on queue '${queue.name}' failed for a message: ${f.Code ?? 'error'}: ${f.Message ?? ''}`,
      { queueName: queue.name, operation },
    );
  }
  return results;
}
