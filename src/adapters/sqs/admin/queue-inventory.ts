import {
  GetQueueAttributesCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { findDeadLetter, findQueueUrl, type DeadLetterInfo } from '../calls/dead-letter-queue.js';
import { OUTCOME_TAGS } from '../orchestrator/outcome-heartbeat.js';
import { listPayloadPrefixes, type PayloadPrefixInfo } from './payload-inventory.js';
import {
  resolveAdminOptions,
  withClient,
  withS3Client,
  type QueueAdminOptions,
  type ResolvedAdminOptions,
} from './queue-admin-options.js';
import { isOutcomeQueueNameOf, outcomeQueuePrefix, queueNameFromUrl } from '../calls/queue-names.js';
import { createLimiter } from '../calls/send-messages.js';
import { isQueueMissing, wrapSqsError } from '../calls/sqs-error.js';

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
  /** Outcomes waiting in it (approximate): work that finished after its run was gone, if orphan. */
  readonly messages: number;
}

/**
 * What {@link inspectQueues} finds about a task queue.
 *
 * @example
 * ```ts
 * import { inspectQueues } from 'mazepa/sqs';
 * const report = await inspectQueues({ queueName: 'mazepa-tasks' });
 * console.log(JSON.stringify(report));
 * ```
 */
export interface QueueReport {
  readonly queueName: string;
  /** The task queue's URL; `undefined` when it does not exist. */
  readonly taskQueueUrl: string | undefined;
  /** Its outcome queues, by name; queues tagged as another task queue's are left out. */
  readonly outcomeQueues: readonly OutcomeQueueInfo[];
  /** The queue its redrive policy names; `undefined` when it has none. */
  readonly deadLetter: DeadLetterInfo | undefined;
  /** With `payloadBucket`: that bucket's payload objects, per execution, by key prefix. */
  readonly payloads?: readonly PayloadPrefixInfo[];
}

/**
 * Looks at a task queue's outcome queues (one per execution; those whose run is gone are
 * orphans) and at its dead-letter queue's depth; with `payloadBucket`, also at the payload
 * objects in it per execution, each with its run's state. Changes nothing.
 *
 * @example
 * ```ts
 * import { inspectQueues } from 'mazepa/sqs';
 * const { outcomeQueues, deadLetter } = await inspectQueues({ queueName: 'mazepa-tasks' });
 * console.log(outcomeQueues.filter((q) => q.state === 'orphan').map((q) => q.name), deadLetter?.messages);
 * ```
 */
export async function inspectQueues(options: QueueAdminOptions): Promise<QueueReport> {
  const resolved = resolveAdminOptions(options, 'inspectQueues');
  const report = await withClient(options, (client) => inspectWith(client, resolved));
  const bucket = resolved.payloadBucket;
  if (bucket === undefined) return report;
  const payloads = await withS3Client(options, (s3) =>
    listPayloadPrefixes(s3, bucket, report.queueName, report.outcomeQueues),
  );
  return { ...report, payloads };
}

/** @internal {@link inspectQueues} with a client and checked options. */
export async function inspectWith(client: SQSClient, options: ResolvedAdminOptions): Promise<QueueReport> {
  const { queueName } = options;
  const taskQueueUrl = await findQueueUrl(client, queueName);
  const limiter = createLimiter(8);
  const urls = await listOutcomeQueueUrls(client, queueName);
  const found = await Promise.all(urls.map((url) => limiter.run(() => describeOutcomeQueue(client, url, options))));
  const outcomeQueues = found.filter((info) => info !== undefined).sort((a, b) => (a.name < b.name ? -1 : 1));
  const deadLetter = taskQueueUrl === undefined ? undefined : await findDeadLetter(client, taskQueueUrl, queueName);
  return { queueName, taskQueueUrl, outcomeQueues, deadLetter };
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
  const tagged = await call('ListQueueTags', () => client.send(new ListQueueTagsCommand({ QueueUrl: url })));
  if (tagged === undefined) return undefined;
  const tags = tagged.Tags ?? {};
  const owner = tags[OUTCOME_TAGS.taskQueue];
  if (owner !== undefined && owner !== options.queueName) return undefined;
  const attributes = await call('GetQueueAttributes', () =>
    client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] })),
  );
  if (attributes === undefined) return undefined;
  const beat = Number(tags[OUTCOME_TAGS.heartbeat]);
  const heartbeatAt = owner !== undefined && Number.isFinite(beat) && beat > 0 ? beat : undefined;
  const state: OutcomeQueueState =
    heartbeatAt === undefined ? 'untagged' : options.now() - heartbeatAt > options.olderThanMs ? 'orphan' : 'alive';
  const messages = Number(attributes.Attributes?.ApproximateNumberOfMessages ?? 0);
  return { name, url, state, executionId: tags[OUTCOME_TAGS.executionId], heartbeatAt, messages };
}

/** The URLs of the queues named exactly as outcome queues of `queueName`. */
async function listOutcomeQueueUrls(client: SQSClient, queueName: string): Promise<string[]> {
  const urls: string[] = [];
  let NextToken: string | undefined;
  do {
    let page;
    try {
      page = await client.send(
        new ListQueuesCommand({ QueueNamePrefix: outcomeQueuePrefix(queueName), MaxResults: 1000, NextToken }),
      );
    } catch (error) {
      throw wrapSqsError(error, 'ListQueues', queueName);
    }
    for (const url of page.QueueUrls ?? []) {
      if (isOutcomeQueueNameOf(queueNameFromUrl(url), queueName)) urls.push(url);
    }
    NextToken = page.NextToken;
  } while (NextToken !== undefined);
  return urls;
}
