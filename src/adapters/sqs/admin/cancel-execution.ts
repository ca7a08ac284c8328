import { deleteQueue } from '../calls/ensure-queue.js';
import { ADMIN_BUDGET } from '../calls/sqs-retry.js';
import { resolveAdminOptions, withClient, type QueueAdminOptions } from './queue-admin-options.js';
import { describeOutcomeQueue, type OutcomeQueueInfo } from './outcome-queue-info.js';
import { listOutcomeQueueUrls } from './queue-inventory.js';
import { outcomeQueuePrefix, queueNameFromUrl } from '../calls/queue-names.js';
import { createLimiter } from '../calls/send-messages.js';

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
    // Only the queues that may be this execution's are looked at (their tags have the last
    // word), and they are deleted together: its workers learn of it from the deletion.
    const urls = (await listOutcomeQueueUrls(client, resolved.queueName)).filter((url) =>
      mayBeOf(queueNameFromUrl(url), resolved.queueName, executionId),
    );
    const limiter = createLimiter(8);
    const found = await Promise.all(urls.map((url) => limiter.run(() => describeOutcomeQueue(client, url, resolved))));
    const ofRun = found.filter((q) => q !== undefined && q.executionId === executionId) as OutcomeQueueInfo[];
    const calls = { client, retry: ADMIN_BUDGET, onEvent: () => undefined };
    await Promise.all(ofRun.map((queue) => deleteQueue(calls, queue.url, queue.name)));
    return ofRun.sort((a, b) => (a.name < b.name ? -1 : 1));
  });
}

/**
 * Whether an outcome queue's name may be one of `executionId`'s: the readable form (the
 * execution id and a nonce) or a hash (a name that would not fit; any execution's).
 */
function mayBeOf(name: string, queueName: string, executionId: string): boolean {
  const prefix = outcomeQueuePrefix(queueName);
  const rest = name.slice(prefix.length);
  if (/^[A-Za-z0-9_-]{22}$/.test(rest)) return true;
  return rest.startsWith(`${executionId}-`) && /^[0-9a-f]{6}$/.test(rest.slice(executionId.length + 1));
}
