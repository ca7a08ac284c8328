/**
 * @internal The most messages one SQS ReceiveMessage returns, and the most entries one
 * SendMessageBatch, DeleteMessageBatch or ChangeMessageVisibilityBatch takes.
 */
export const SQS_BATCH_LIMIT = 10;

/** @internal `items` in order, in slices of at most {@link SQS_BATCH_LIMIT}. */
export function inBatches<T>(items: readonly T[]): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += SQS_BATCH_LIMIT) batches.push(items.slice(i, i + SQS_BATCH_LIMIT));
  return batches;
}
