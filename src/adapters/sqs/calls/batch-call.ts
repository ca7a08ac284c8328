import { SqsQueueError } from './sqs-error.js';
import { CallRetry, type CallOptions, type OutageBudget } from './sqs-retry.js';

/** @internal An entry a batch call failed on, as SQS reports it. */
export interface FailedEntry {
  readonly Id?: string | undefined;
  readonly SenderFault?: boolean | undefined;
  readonly Code?: string | undefined;
  readonly Message?: string | undefined;
}

/**
 * @internal Runs a batch call (SendMessageBatch, DeleteMessageBatch,
 * ChangeMessageVisibilityBatch) on entries `0 .. count-1`; `call(indices)` sends those entries
 * with `Id: String(index)` and resolves to the entries that failed. A whole call that fails with
 * a transient error is tried again; entries that failed on the server's side are tried again,
 * only those, so an entry that went through is never sent twice; entries refused as the
 * sender's fault get their error at once. All retries share one outage budget. Resolves to one
 * result per entry: `undefined` when it went through, else its error. Rejects when the whole
 * call fails for good.
 */
export async function batchCall(
  budget: OutageBudget,
  operation: string,
  queueName: string,
  count: number,
  call: (indices: readonly number[]) => Promise<readonly FailedEntry[] | undefined>,
  options: CallOptions = {},
): Promise<(SqsQueueError | undefined)[]> {
  const results: (SqsQueueError | undefined)[] = new Array<SqsQueueError | undefined>(count).fill(undefined);
  const retry = new CallRetry(budget, operation, queueName, options);
  let pending: readonly number[] = Array.from({ length: count }, (_, i) => i);
  while (pending.length > 0) {
    let failed: readonly FailedEntry[];
    try {
      failed = (await call(pending)) ?? [];
    } catch (error) {
      await retry.failed(error);
      continue;
    }
    const again: number[] = [];
    let serverError: SqsQueueError | undefined;
    for (const entry of failed) {
      const index = Number(entry.Id);
      if (!Number.isInteger(index) || index < 0 || index >= count) continue;
      const what = entry.SenderFault === true ? 'refused a message' : 'failed for a message';
      const error = new SqsQueueError(
        `SQS ${operation} on queue '${queueName}' ${what}: ${entry.Code ?? 'error'}: ${entry.Message ?? ''}`,
        { queueName, operation },
      );
      if (entry.SenderFault === true) results[index] = error;
      else {
        again.push(index);
        serverError = error;
      }
    }
    pending = again;
    if (serverError === undefined) break;
    try {
      await retry.failed(serverError, true);
    } catch (gaveUp) {
      const error = gaveUp instanceof SqsQueueError ? gaveUp : serverError;
      for (const index of again) results[index] = error;
      break;
    }
  }
  return results;
}
