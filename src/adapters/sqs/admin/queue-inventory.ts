/**
 * The admin room: `mazepa queues` and its functions (`inspectQueues`, `deleteOrphanQueues`,
 * `deleteOrphanPayloads`, `redriveDeadLetters`) look after a task queue from outside any run: the
 * outcome queues and payloads dead runs left, and the dead-letter queue. This file is the
 * inventory, which changes nothing.
 */
import { ListQueuesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { findDeadLetter, findQueueUrl, type DeadLetterInfo } from '../calls/dead-letter-queue.js';
import { describeOutcomeQueue, type OutcomeQueueInfo } from './outcome-queue-info.js';
import { readQueueDepth, type QueueDepth } from '../calls/queue-depth.js';
import { countOutcomes } from './outcome-count.js';
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
import { wrapSqsError } from '../calls/sqs-error.js';

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
  /** The task queue's messages: waiting, held by workers (in flight), delayed. */
  readonly taskQueueDepth: QueueDepth | undefined;
  /** Its outcome queues, by name; queues tagged as another task queue's are left out. */
  readonly outcomeQueues: readonly OutcomeQueueInfo[];
  /** The queue its redrive policy names; `undefined` when it has none. */
  readonly deadLetter: DeadLetterInfo | undefined;
  /** With `payloadBucket`: that bucket's payload objects, per execution, by key prefix. */
  readonly payloads?: readonly PayloadPrefixInfo[];
}

/**
 * Looks at a task queue's depth (messages waiting, held by workers, delayed), its outcome
 * queues (one per execution; those whose run is gone are orphans, whose outcomes are counted)
 * and its dead-letter queue's depth; with `payloadBucket`, also at the payload objects in it
 * per execution, each with its run's state. Changes nothing (an orphan's messages are read to
 * count its outcomes, and made visible again at once).
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
  const report = await withClient(options, (client) => inspectWith(client, { ...resolved, countOutcomes: true }));
  const bucket = resolved.payloadBucket;
  if (bucket === undefined) return report;
  const payloads = await withS3Client(options, (s3) =>
    listPayloadPrefixes(s3, bucket, report.queueName, report.outcomeQueues),
  );
  return { ...report, payloads };
}

/** @internal {@link inspectQueues} with a client and checked options. */
export async function inspectWith(
  client: SQSClient,
  options: ResolvedAdminOptions & { readonly countOutcomes?: boolean },
): Promise<QueueReport> {
  const { queueName } = options;
  const taskQueueUrl = await findQueueUrl(client, queueName);
  const limiter = createLimiter(8);
  const urls = await listOutcomeQueueUrls(client, queueName);
  const found = await Promise.all(
    urls.map((url) =>
      limiter.run(async () => {
        const info = await describeOutcomeQueue(client, url, options);
        if (info?.state !== 'orphan' || info.messages === 0 || !options.countOutcomes) return info;
        const { outcomes, complete } = await countOutcomes(client, url, info.name);
        return { ...info, outcomes, outcomesCounted: complete };
      }),
    ),
  );
  const outcomeQueues = found.filter((info) => info !== undefined).sort((a, b) => (a.name < b.name ? -1 : 1));
  if (taskQueueUrl === undefined)
    return { queueName, taskQueueUrl, taskQueueDepth: undefined, outcomeQueues, deadLetter: undefined };
  const taskQueueDepth = await readQueueDepth(client, taskQueueUrl, queueName);
  const deadLetter = await findDeadLetter(client, taskQueueUrl, queueName);
  return { queueName, taskQueueUrl, taskQueueDepth, outcomeQueues, deadLetter };
}

/** @internal The URLs of the queues named exactly as outcome queues of `queueName`. */
export async function listOutcomeQueueUrls(client: SQSClient, queueName: string): Promise<string[]> {
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
