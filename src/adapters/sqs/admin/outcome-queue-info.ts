import { GetQueueAttributesCommand, ListQueueTagsCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { withServerTime } from '../calls/server-time.js';
import { queueNameFromUrl } from '../calls/queue-names.js';
import { isQueueMissing, wrapSqsError } from '../calls/sqs-error.js';
import { OUTCOME_TAGS } from '../orchestrator/outcome-heartbeat.js';
import type { ResolvedAdminOptions } from './queue-admin-options.js';

/**
 * Whether the run of an outcome queue is alive (its heartbeat is recent), gone (`orphan`: the
 * heartbeat is older than `olderThanMs`), or cannot be told (`untagged`: no heartbeat, e.g. made
 * by a mazepa without heartbeats or an orchestrator denied `sqs:TagQueue`; never deleted).
 *
 * @example
 * ```ts
 * import { inspectQueues } from 'mazepa/sqs';
 * const { outcomeQueues } = await inspectQueues({ queueName: 'mazepa-tasks' });
 * const orphans = outcomeQueues.filter((q) => q.state === 'orphan');
 * ```
 */
export type OutcomeQueueState = 'alive' | 'orphan' | 'untagged';

/**
 * One outcome queue of the task queue, as {@link inspectQueues} finds it.
 *
 * @example
 * ```ts
 * import { inspectQueues } from 'mazepa/sqs';
 * for (const q of (await inspectQueues({ queueName: 'mazepa-tasks' })).outcomeQueues) {
 *   console.log(q.state, q.name, q.executionId, q.messages);
 * }
 * ```
 */
export interface OutcomeQueueInfo {
  readonly name: string;
  readonly url: string;
  readonly state: OutcomeQueueState;
  /** The execution it belongs to, from its tags. */
  readonly executionId: string | undefined;
  /** Its last heartbeat, in milliseconds since the epoch. */
  readonly heartbeatAt: number | undefined;
  /** Messages waiting in it (approximate); a message may hold several outcomes (a pack). */
  readonly messages: number;
  /**
   * Outcomes waiting in an orphan's messages (work that finished after its run was gone),
   * counted by reading them and putting them back; `undefined` for the queues of other states,
   * which are not read. A lower bound when `outcomesCounted` is false.
   */
  readonly outcomes?: number;
  /** Whether every message was read to count {@link OutcomeQueueInfo.outcomes}. */
  readonly outcomesCounted?: boolean;
}

/**
 * @internal One outcome queue's state, or `undefined` when it is gone or tagged as another task
 * queue's (a queue whose name only looks like ours).
 */
export async function describeOutcomeQueue(
  client: SQSClient,
  url: string,
  options: ResolvedAdminOptions,
): Promise<OutcomeQueueInfo | undefined> {
  const name = queueNameFromUrl(url);
  const call = async <T>(operation: string, run: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await run();
    } catch (error) {
      if (isQueueMissing(error)) return undefined;
      throw wrapSqsError(error, operation, name);
    }
  };
  const timed = withServerTime(new ListQueueTagsCommand({ QueueUrl: url }));
  const tagged = await call('ListQueueTags', () => client.send(timed.command));
  if (tagged === undefined) return undefined;
  const tags = tagged.Tags ?? {};
  const owner = tags[OUTCOME_TAGS.taskQueue];
  if (owner !== undefined && owner !== options.queueName) return undefined;
  const attributes = await call('GetQueueAttributes', () =>
    client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] })),
  );
  if (attributes === undefined) return undefined;
  const beat = Number(tags[OUTCOME_TAGS.heartbeat]);
  // SQS's own time, not this host's: a skewed admin clock must not make a live run look gone.
  const clock = options.now?.() ?? timed.serverTime() ?? Date.now();
  const heartbeatAt = owner !== undefined && Number.isFinite(beat) && beat > 0 ? beat : undefined;
  const state: OutcomeQueueState =
    heartbeatAt === undefined ? 'untagged' : clock - heartbeatAt > options.olderThanMs ? 'orphan' : 'alive';
  const messages = Number(attributes.Attributes?.ApproximateNumberOfMessages ?? 0);
  return { name, url, state, executionId: tags[OUTCOME_TAGS.executionId], heartbeatAt, messages };
}
