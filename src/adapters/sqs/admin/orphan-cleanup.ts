import { deleteQueue } from '../calls/ensure-queue.js';
import { deletePrefix, listPayloadPrefixes, type PayloadPrefixInfo } from './payload-inventory.js';
import { resolveAdminOptions, withClient, withS3Client, type QueueAdminOptions } from './queue-admin-options.js';
import { describeOutcomeQueue, type OutcomeQueueInfo } from './outcome-queue-info.js';
import { inspectWith } from './queue-inventory.js';
import { ADMIN_BUDGET } from '../calls/sqs-retry.js';

/**
 * Deletes the outcome queues of a task queue whose runs are gone (orphans, see
 * {@link inspectQueues}), with the outcomes still in them. Each queue's heartbeat is read again
 * just before it is deleted, so a run that came back meanwhile (a rerun with the same
 * checkpoint re-attaches to its outcome queue) keeps it. Untagged queues, queues of other task
 * queues and queues whose name only looks like an outcome queue's are never touched. Rejects
 * with the first `SqsQueueError` after trying every queue. With a payload bucket, call
 * {@link deleteOrphanPayloads} first: once a run's outcome queue is gone, its payloads can no
 * longer be told from those of a run that ended (they show as `unowned`).
 *
 * @returns the orphans deleted
 * @example
 * ```ts
 * import { deleteOrphanQueues } from 'mazepa/sqs';
 * const deleted = await deleteOrphanQueues({ queueName: 'mazepa-tasks' });
 * console.log(`deleted ${deleted.length} outcome queue(s) of dead runs`);
 * ```
 */
export async function deleteOrphanQueues(options: QueueAdminOptions): Promise<OutcomeQueueInfo[]> {
  const resolved = resolveAdminOptions(options, 'deleteOrphanQueues');
  return withClient(options, async (client) => {
    const { outcomeQueues } = await inspectWith(client, resolved);
    const deleted: OutcomeQueueInfo[] = [];
    let failure: unknown;
    for (const queue of outcomeQueues) {
      if (queue.state !== 'orphan') continue;
      try {
        const now = await describeOutcomeQueue(client, queue.url, resolved);
        if (now?.state !== 'orphan') continue;
        await deleteQueue({ client, retry: ADMIN_BUDGET, onEvent: () => undefined }, queue.url, queue.name);
        deleted.push(now);
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
    return deleted;
  });
}

/**
 * Deletes the payload objects (`mazepa-payloads/<taskQueue>/<executionId>/<run>/…` in
 * `payloadBucket`) of this task queue's runs that are gone: those whose outcome queue in this
 * task queue is an orphan (see {@link deleteOrphanQueues}; run it after this), and those of its
 * executions without an outcome queue here (`unowned`: runs that ended without deleting them,
 * e.g. a payload that failed its checks) written more than `olderThanMs` ago. The outcome
 * queues' heartbeats are read again just before an execution's objects are deleted, so a run
 * that came back keeps them. Objects of live runs, of untagged queues' runs, of other task
 * queues (even with the same execution id) and keys of the earlier layout
 * (`mazepa-payloads/<executionId>/…`, which do not say their task queue) are never touched.
 * Objects are listed and deleted a page (1,000) at a time. Rejects with the first error after
 * trying every execution.
 *
 * @returns the executions whose objects were deleted, with how many objects and bytes
 * @example
 * ```ts
 * import { deleteOrphanPayloads, deleteOrphanQueues } from 'mazepa/sqs';
 * const options = { queueName: 'mazepa-tasks', payloadBucket: 'my-bucket' };
 * const payloads = await deleteOrphanPayloads(options);
 * await deleteOrphanQueues(options);
 * console.log(`deleted ${payloads.reduce((n, p) => n + p.objects, 0)} payload object(s) of dead runs`);
 * ```
 */
export async function deleteOrphanPayloads(options: QueueAdminOptions): Promise<PayloadPrefixInfo[]> {
  return deleteOrphanPayloadsPaged(options);
}

/** @internal {@link deleteOrphanPayloads} with the page size of its S3 listings. */
export async function deleteOrphanPayloadsPaged(
  options: QueueAdminOptions,
  pageSize?: number,
): Promise<PayloadPrefixInfo[]> {
  const resolved = resolveAdminOptions(options, 'deleteOrphanPayloads');
  const bucket = resolved.payloadBucket;
  if (bucket === undefined) {
    throw new TypeError(
      "deleteOrphanPayloads: option 'payloadBucket' is required (the bucket the runs store payloads in)",
    );
  }
  return withClient(options, (client) =>
    withS3Client(options, async (s3) => {
      const { outcomeQueues } = await inspectWith(client, resolved);
      const prefixes = await listPayloadPrefixes(s3, bucket, resolved.queueName, outcomeQueues, pageSize);
      const deleted: PayloadPrefixInfo[] = [];
      let failure: unknown;
      // An unowned prefix has no outcome queue to read a heartbeat from: its objects' age tells.
      const writtenBefore = (resolved.now?.() ?? Date.now()) - resolved.olderThanMs;
      for (const prefix of prefixes) {
        if (prefix.state === 'unowned') {
          // The earlier layout does not say its task queue: it may be another's live run.
          if (prefix.taskQueue === undefined) continue;
          if ((prefix.newestAt ?? Number.POSITIVE_INFINITY) >= writtenBefore) continue;
          try {
            const gone = await deletePrefix(s3, bucket, prefix.prefix, pageSize, writtenBefore);
            if (gone.objects > 0) deleted.push({ ...prefix, ...gone });
          } catch (error) {
            failure ??= error;
          }
          continue;
        }
        if (prefix.state !== 'orphan') continue;
        try {
          const queues = outcomeQueues.filter((q) => q.executionId === prefix.executionId);
          const now = await Promise.all(queues.map((q) => describeOutcomeQueue(client, q.url, resolved)));
          if (!now.every((q) => q?.state === 'orphan')) continue;
          deleted.push({ ...prefix, ...(await deletePrefix(s3, bucket, prefix.prefix, pageSize)) });
        } catch (error) {
          failure ??= error;
        }
      }
      if (failure !== undefined) throw failure;
      return deleted;
    }),
  );
}
