/**
 * The SQS calls of a worker, each wrapped once with the queue named, and retried on transient
 * errors for up to the worker's outage budget.
 */
import { ChangeMessageVisibilityCommand, type Message } from '@aws-sdk/client-sqs';
import { inBatches } from '../calls/batch-limit.js';
import { changeVisibilityBatch } from '../calls/message-batches.js';
import { GATHER_MS, MAX_GATHER_MS, MicroBatcher } from '../calls/micro-batcher.js';
import { packedBytes, packFits, packOutcomes } from '../messages/outcome-pack.js';
import { queueNameFromUrl } from '../calls/queue-names.js';
import { receiveMessages } from '../calls/receive-messages.js';
import type { SqsConnection } from '../calls/sqs-connection.js';
import { isMessageNotInflight, isQueueMissing } from '../calls/sqs-error.js';
import { retrying } from '../calls/sqs-retry.js';
import { sendBatch } from '../calls/send-messages.js';

/**
 * @internal Receives up to `max` task messages, waiting up to `waitSeconds` for the first. Any
 * error but a missing queue is tried again (a worker must not exit on one) until the receive has
 * failed for the outage budget; aborting `signal` ends a wait between tries at once, never the
 * long poll in flight: SQS may hand messages to a poll whose connection was cut, hidden then for
 * the visibility timeout, so a stopping worker lets its last poll end and gives back what it brings.
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
    cutPoll: false,
    retryable: (error) => !isQueueMissing(error),
  });
}

/**
 * @internal Outcome messages per outcome queue, the ones finishing within {@link GATHER_MS}
 * of each other (for up to {@link MAX_GATHER_MS}) packed into one message (up to the size
 * limit); a lone outcome travels as is.
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
    MAX_GATHER_MS,
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

/**
 * @internal Makes a held message visible to every worker again at once. A retry that finds the
 * message no longer held is done: the try before it went through, and only its answer was lost.
 */
export async function returnMessage(queue: SqsConnection, receipt: string): Promise<void> {
  let tries = 0;
  await retrying(
    queue.retry,
    'ChangeMessageVisibility',
    queue.name,
    async () => {
      try {
        await queue.client.send(
          new ChangeMessageVisibilityCommand({ QueueUrl: queue.url, ReceiptHandle: receipt, VisibilityTimeout: 0 }),
        );
      } catch (error) {
        if (++tries > 1 && isMessageNotInflight(error)) return;
        throw error;
      }
    },
    { maxOutageMs: queue.options.visibilityTimeoutSec * 1000 },
  );
}

/** @internal Makes messages visible to every worker again at once; the receipts not changed come back. */
export async function returnMessages(queue: SqsConnection, receipts: readonly string[]): Promise<unknown[]> {
  const failures: unknown[] = [];
  for (const batch of inBatches(receipts)) {
    const results = await changeVisibilityBatch(queue, batch, 0, {
      maxOutageMs: queue.options.visibilityTimeoutSec * 1000,
    });
    for (const result of results) if (result !== undefined) failures.push(result);
  }
  return failures;
}

/**
 * @internal Makes the messages a stopping worker's last poll brought visible again at once;
 * resolves to how many it gave back. What could not be given back goes to `onError` (those show
 * again after their visibility timeout).
 */
export async function giveBack(
  queue: SqsConnection,
  messages: readonly Message[],
  onError: (error: unknown) => void,
): Promise<number> {
  const receipts = messages.flatMap((m) => (m.ReceiptHandle === undefined ? [] : [m.ReceiptHandle]));
  if (receipts.length === 0) return 0;
  try {
    for (const error of await returnMessages(queue, receipts)) onError(error);
  } catch (error) {
    onError(error);
  }
  return receipts.length;
}
