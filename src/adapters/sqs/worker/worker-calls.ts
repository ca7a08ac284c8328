/**
 * The SQS calls of a worker, each wrapped once with the queue named, and retried on transient
 * errors for up to the worker's outage budget.
 */
import { ChangeMessageVisibilityCommand, type Message } from '@aws-sdk/client-sqs';
import { changeVisibilityBatch } from '../calls/message-batches.js';
import { GATHER_MS, MicroBatcher } from '../calls/micro-batcher.js';
import { packedBytes, packFits, packOutcomes } from '../messages/outcome-pack.js';
import { queueNameFromUrl } from '../calls/queue-names.js';
import { receiveMessages } from '../calls/receive-messages.js';
import type { SqsConnection } from '../calls/sqs-connection.js';
import { isQueueMissing } from '../calls/sqs-error.js';
import { retrying } from '../calls/sqs-retry.js';
import { sendBatch } from '../calls/send-messages.js';

/**
 * @internal Receives up to `max` task messages, waiting up to `waitSeconds` for the first. Any
 * error but a missing queue is tried again (a worker must not exit on one) until the receive has
 * failed for the outage budget; aborting `signal` ends it at once.
 */
export function receiveTasks(
  queue: SqsConnection,
  max: number,
  waitSeconds: number,
  signal: AbortSignal,
): Promise<Message[]> {
  return receiveMessages(queue, {
    max,
    waitSeconds,
    visibilityTimeoutSec: queue.options.visibilityTimeoutSec,
    receiveCount: true,
    signal,
    retryable: (error) => !isQueueMissing(error),
  });
}

/**
 * @internal Outcome messages per outcome queue, the ones finishing within {@link GATHER_MS}
 * of each other packed into one message (up to the size limit); a lone outcome travels as is.
 */
export function replyBatcher(queue: SqsConnection): MicroBatcher<{ body: string; bytes: number }> {
  return new MicroBatcher(
    async (url, items) => {
      const body = items.length === 1 ? items[0]!.body : packOutcomes(items.map((i) => i.body));
      const [error] = await sendBatch({ client: queue.client, url, name: queueNameFromUrl(url), retry: queue.retry }, [
        body,
      ]);
      return items.map(() => error);
    },
    1000,
    (batch, item) => packFits([...batch.map((i) => i.bytes), item.bytes]),
    GATHER_MS,
  );
}

/** @internal An outcome message ready for {@link replyBatcher}, with its size inside a pack. */
export function reply(body: string): { body: string; bytes: number } {
  return { body, bytes: packedBytes(body) };
}

/**
 * @internal Extends the visibility of up to `SQS_BATCH_LIMIT` running tasks' messages. Retried for
 * no longer than the visibility timeout: after that the receipts are stale anyway.
 */
export async function extendVisibility(queue: SqsConnection, receipts: readonly string[]): Promise<void> {
  const visibility = queue.options.visibilityTimeoutSec;
  await changeVisibilityBatch(queue, receipts, visibility, { maxOutageMs: visibility * 1000 });
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
