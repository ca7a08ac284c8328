import { deleteQueue } from '../calls/ensure-queue.js';
import { ADMIN_BUDGET } from '../calls/sqs-retry.js';
import { resolveAdminOptions, withClient, type QueueAdminOptions } from './queue-admin-options.js';
import type { OutcomeQueueInfo } from './outcome-queue-info.js';
import { inspectWith } from './queue-inventory.js';

/**
 * Options of {@link cancelExecution}: the task queue, how to reach SQS, and the execution.
 *
 * @example
 * ```ts
 * import { cancelExecution, type CancelExecutionOptions } from 'mazepa/sqs';
 * const options: CancelExecutionOptions = { queueName: 'mazepa-tasks', executionId: 'nightly-2026-12-03' };
 * await cancelExecution(options);
 * ```
 */
export interface CancelExecutionOptions extends Pick<
  QueueAdminOptions,
  'queueName' | 'client' | 'region' | 'endpoint'
> {
  /** The execution to end (its id, as `execute` resolves or reports it). */
  readonly executionId: string;
}

/**
 * Ends a running execution from outside (from another process or machine), like Celery's
 * revoke: deletes its outcome queue(s) in this task queue, found by their execution tag. Its
 * orchestrator's next receive finds the queue gone and `execute` rejects with
 * `MazepaCancelledError` (after writing its checkpoint, when it has one); its workers drop its
 * tasks still in the task queue without running them (a task already running finishes, and its
 * outcome is dropped). A rerun with the checkpoint starts those tasks again. Resolves to the
 * outcome queues deleted: none when no run of that execution has one here (it has ended, or
 * runs on another task queue).
 *
 * @example
 * ```ts
 * import { cancelExecution } from 'mazepa/sqs';
 * const deleted = await cancelExecution({ queueName: 'mazepa-tasks', executionId: 'nightly-2026-12-03' });
 * if (deleted.length === 0) console.error('no such execution is running');
 * ```
 */
export async function cancelExecution(options: CancelExecutionOptions): Promise<OutcomeQueueInfo[]> {
  const owner = 'cancelExecution';
  const { executionId } = options ?? {};
  if (typeof executionId !== 'string' || executionId === '') {
    throw new TypeError(
      `${owner}: option 'executionId' must be a non-empty string, received ${JSON.stringify(executionId)}`,
    );
  }
  const { executionId: _id, ...admin } = options;
  const resolved = resolveAdminOptions(admin, owner);
  return withClient(admin, async (client) => {
    const { outcomeQueues } = await inspectWith(client, resolved);
    const ofRun = outcomeQueues.filter((q) => q.executionId === executionId);
    const calls = { client, retry: ADMIN_BUDGET, onEvent: () => undefined };
    for (const queue of ofRun) await deleteQueue(calls, queue.url, queue.name);
    return ofRun;
  });
}
