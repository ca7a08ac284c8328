/**
 * The two batch calls on received messages, each at most {@link SQS_BATCH_LIMIT} receipts:
 * delete them, or change how long they stay hidden. Both retry as {@link batchCall} does.
 */
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand } from '@aws-sdk/client-sqs';
import { batchCall } from './batch-call.js';
import { inBatches, SQS_BATCH_LIMIT } from './batch-limit.js';
import { DELETE_GATHER_MS, MAX_DELETE_GATHER_MS, MicroBatcher } from './micro-batcher.js';
import type { QueueEndpoint } from './queue-endpoint.js';
import type { SqsQueueError } from './sqs-error.js';
import type { CallOptions } from './sqs-retry.js';

/** @internal One DeleteMessageBatch; one result per receipt, `undefined` when it was deleted. */
export function deleteMessageBatch(
  from: QueueEndpoint,
  receipts: readonly string[],
  options: CallOptions = {},
): Promise<(SqsQueueError | undefined)[]> {
  return batchCall(
    from.retry,
    'DeleteMessageBatch',
    from.name,
    receipts.length,
    async (indices) => {
      const Entries = indices.map((i) => ({ Id: String(i), ReceiptHandle: receipts[i]! }));
      return (await from.client.send(new DeleteMessageBatchCommand({ QueueUrl: from.url, Entries }))).Failed;
    },
    options,
  );
}

/**
 * @internal One ChangeMessageVisibilityBatch: the messages stay hidden for `visibilityTimeoutSec`
 * from now (0: visible again at once). One result per receipt, `undefined` when it was changed.
 */
export function changeVisibilityBatch(
  from: QueueEndpoint,
  receipts: readonly string[],
  visibilityTimeoutSec: number,
  options: CallOptions = {},
): Promise<(SqsQueueError | undefined)[]> {
  return batchCall(
    from.retry,
    'ChangeMessageVisibilityBatch',
    from.name,
    receipts.length,
    async (indices) => {
      const Entries = indices.map((i) => ({
        Id: String(i),
        ReceiptHandle: receipts[i]!,
        VisibilityTimeout: visibilityTimeoutSec,
      }));
      return (await from.client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: from.url, Entries }))).Failed;
    },
    options,
  );
}

/**
 * @internal Deletions of received messages, keyed by queue URL and gathered for
 * {@link DELETE_GATHER_MS} (while more keep coming, up to `maxDelayMs`, by default
 * {@link MAX_DELETE_GATHER_MS}) into batches of
 * {@link SQS_BATCH_LIMIT} (a full batch goes at once);
 * each `add` resolves once its message is deleted, or rejects with its own error.
 */
export function deleteBatcher(
  queue: Omit<QueueEndpoint, 'url'>,
  options: CallOptions = {},
  maxDelayMs = MAX_DELETE_GATHER_MS,
): MicroBatcher<string> {
  return new MicroBatcher(
    (url, receipts) => deleteMessageBatch({ ...queue, url }, receipts, options),
    SQS_BATCH_LIMIT,
    undefined,
    DELETE_GATHER_MS,
    maxDelayMs,
  );
}

/**
 * @internal Makes received messages visible again at once, best effort: each batch is tried
 * once and its failure ignored (the messages then show again when their visibility timeout ends).
 */
export async function releaseMessages(from: QueueEndpoint, receipts: readonly string[]): Promise<void> {
  await Promise.all(
    inBatches(receipts).map((batch) =>
      changeVisibilityBatch(from, batch, 0, { maxOutageMs: 0 }).catch(() => undefined),
    ),
  );
}
