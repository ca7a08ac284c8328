import { deleteQueue } from './ensure-queue.js';
import { resolveAdminOptions, withClient, type QueueAdminOptions } from './queue-admin-options.js';
import { describeOutcomeQueue, inspectWith, type OutcomeQueueInfo } from './queue-inventory.js';
import { ADMIN_RETRY } from './sqs-retry.js';

/**
 * Deletes the outcome queues of a task queue whose runs are gone (orphans, see
 * {@link inspectQueues}), with the outcomes still in them. Each queue's heartbeat is read again
 * just before it is deleted, so a run that came back meanwhile (a rerun with the same
 * checkpoint re-attaches to its outcome queue) keeps it. Untagged queues, queues of other task
 * queues and queues whose name only looks like an outcome queue's are never touched. Rejects
 * with the first `SqsQueueError` after trying every queue.
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
        await deleteQueue({ client, retry: ADMIN_RETRY, onEvent: () => undefined }, queue.url, queue.name);
        deleted.push(now);
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
    return deleted;
  });
}
