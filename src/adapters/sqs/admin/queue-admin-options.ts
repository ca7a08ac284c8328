import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { OUTCOME_HEARTBEAT_MS } from '../orchestrator/outcome-heartbeat.js';
import { isQueueName } from '../calls/queue-names.js';
import { makeClient, makeS3Client } from '../calls/sqs-connection.js';
import { isBucketName } from '../sqs-option-checks.js';

/** The default age past which an outcome queue's last heartbeat marks its run as gone: 10 minutes. */
export const ORPHAN_AFTER_MS = 600_000;

/**
 * The smallest `olderThanMs` taken: twice the heartbeat interval, so that a live run that missed
 * a beat is never taken for a dead one.
 */
export const MIN_ORPHAN_AFTER_MS = 2 * OUTCOME_HEARTBEAT_MS;

/**
 * Options of {@link inspectQueues}, {@link deleteOrphanQueues}, {@link deleteOrphanPayloads} and
 * {@link redriveDeadLetters}: which task queue, how to reach SQS (and the payload bucket), and
 * when a run counts as gone.
 *
 * @example
 * ```ts
 * import { inspectQueues } from 'mazepa/sqs';
 * const report = await inspectQueues({ queueName: 'mazepa-tasks', region: 'us-east-1' });
 * ```
 */
export interface QueueAdminOptions {
  /** The task queue whose outcome and dead-letter queues to look at. */
  readonly queueName: string;
  /** An SQS client to use (kept open). @default a client from `region`, `endpoint` and the SDK's configuration */
  readonly client?: SQSClient;
  /** @default `AWS_REGION` */
  readonly region?: string;
  /** @default `AWS_ENDPOINT_URL_SQS`, else the region's */
  readonly endpoint?: string;
  /**
   * An outcome queue whose last heartbeat is older than this many milliseconds belongs to a run
   * that is gone (an orphan). At least `MIN_ORPHAN_AFTER_MS` (120 000).
   * @default 600_000 (10 minutes)
   */
  readonly olderThanMs?: number;
  /**
   * The time to judge heartbeats at, in milliseconds since the epoch. @default the time SQS gives
   * in its answers (its `Date` header), so that a skewed clock on this host cannot make a live run
   * look gone; this host's clock only when SQS gives none
   */
  readonly now?: () => number;
  /**
   * The bucket the runs store their large payloads in (their `payloadBucket`): with it,
   * {@link inspectQueues} also lists the payload objects per execution, and
   * {@link deleteOrphanPayloads} deletes those of dead runs. @default none: payloads are not looked at
   */
  readonly payloadBucket?: string;
  /** An S3 client for `payloadBucket` (kept open). @default a client from `region` and the SDK's configuration */
  readonly s3Client?: S3Client;
}

/** @internal The options checked, with their defaults. */
export interface ResolvedAdminOptions {
  readonly queueName: string;
  readonly olderThanMs: number;
  readonly now: (() => number) | undefined;
  readonly payloadBucket: string | undefined;
}

/** @internal Checks the options; invalid values throw a TypeError naming the option and the value. */
export function resolveAdminOptions(options: QueueAdminOptions, owner: string): ResolvedAdminOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${owner}: options must be an object with 'queueName', received ${String(options)}`);
  }
  const { queueName, olderThanMs = ORPHAN_AFTER_MS, now, payloadBucket } = options;
  if (!isQueueName(queueName)) {
    throw new TypeError(
      `${owner}: option 'queueName' must be an SQS queue name (letters, digits, - and _, 1 to 80), received ${JSON.stringify(queueName)}`,
    );
  }
  if (typeof olderThanMs !== 'number' || !Number.isFinite(olderThanMs) || olderThanMs < MIN_ORPHAN_AFTER_MS) {
    throw new TypeError(
      `${owner}: option 'olderThanMs' must be a number of milliseconds >= ${MIN_ORPHAN_AFTER_MS} ` +
        `(twice the heartbeat interval), received ${String(olderThanMs)}`,
    );
  }
  if (now !== undefined && typeof now !== 'function')
    throw new TypeError(`${owner}: option 'now' must be a function, received ${String(now)}`);
  if (payloadBucket !== undefined && !isBucketName(payloadBucket)) {
    throw new TypeError(
      `${owner}: option 'payloadBucket' must be an S3 bucket name (3 to 63 of a-z, 0-9, . and -), received ${JSON.stringify(payloadBucket)}`,
    );
  }
  return { queueName, olderThanMs, now, payloadBucket };
}

/** @internal Runs `work` with the client of the options, destroying it afterwards if made here. */
export async function withClient<T>(options: QueueAdminOptions, work: (client: SQSClient) => Promise<T>): Promise<T> {
  if (options.client !== undefined) return work(options.client);
  const client = makeClient(options.region, options.endpoint);
  try {
    return await work(client);
  } finally {
    client.destroy();
  }
}

/** @internal Runs `work` with the S3 client of the options, destroying it afterwards if made here. */
export async function withS3Client<T>(options: QueueAdminOptions, work: (client: S3Client) => Promise<T>): Promise<T> {
  if (options.s3Client !== undefined) return work(options.s3Client);
  const client = makeS3Client(options.region);
  try {
    return await work(client);
  } finally {
    client.destroy();
  }
}
