import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { checkOptionKeys, type KnownOptions } from '../../../flows/option-keys.js';
import { MAX_MESSAGE_BYTES } from '../../remote/envelope-text.js';
import { checkSigningKey, type SigningKey } from '../../remote/envelope-signing.js';
import { queueEventListener, type SqsQueueEvent } from './queue-events.js';
import { MAX_TASKS_PER_PACK } from '../messages/task-pack.js';
import {
  SQS_OWNER as OWNER,
  bucketName,
  buildIdOf,
  fail,
  optionalText,
  outageBudget,
  queueLocation,
  wholeNumber,
} from '../sqs-option-checks.js';

/**
 * Options of {@link SqsExecutionQueue}. Give `queueName`, `queueUrl`, or both.
 *
 * @example
 * ```ts
 * import { SqsExecutionQueue, type SqsExecutionQueueOptions } from 'mazepa/sqs';
 * const options: SqsExecutionQueueOptions = {
 *   queueName: 'mazepa-tasks',
 *   visibilityTimeoutSec: 60,
 *   deadLetterQueue: { maxReceiveCount: 3 },
 *   signingKey: process.env.MAZEPA_SIGNING_KEY,
 *   maxOutageMs: 10 * 60_000, // ride out SQS trouble for up to 10 minutes
 * };
 * const queue = new SqsExecutionQueue(options);
 * ```
 */
export interface SqsExecutionQueueOptions {
  /** The task queue's name; the queue (and its dead-letter queue) is created if missing. */
  readonly queueName?: string;
  /** The task queue's URL, for a queue that exists (nothing is created). @default looked up by name */
  readonly queueUrl?: string;
  /**
   * The SQS client to use (not destroyed by `close`). A worker on a queue with its own client
   * extends its tasks' visibility on the event loop (a client cannot go to another thread), so a
   * synchronous task that blocks longer than the visibility timeout can be run twice.
   * @default a client made from `region` and `endpoint`
   */
  readonly client?: SQSClient;
  /** The AWS region. @default the SDK's configuration (`AWS_REGION`, profile) */
  readonly region?: string;
  /** The SQS endpoint, e.g. an emulator's. @default the SDK's configuration (`AWS_ENDPOINT_URL_SQS`) */
  readonly endpoint?: string;
  /**
   * Seconds a received task stays hidden; workers extend it while the task runs.
   * @default the queue's own setting; 30 for a queue created here
   */
  readonly visibilityTimeoutSec?: number;
  /** Seconds a receive waits for messages (long polling, 0 to 20). @default 20 */
  readonly waitTimeSeconds?: number;
  /**
   * The dead-letter queue made with the task queue: a message received this many times without
   * being deleted moves there. `false`: none. @default { maxReceiveCount: 5 }
   */
  readonly deadLetterQueue?: { readonly maxReceiveCount?: number } | false;
  /** A shared secret: tasks and outcomes are signed with HMAC-SHA256 and checked. @default unsigned */
  readonly signingKey?: SigningKey;
  /** SendMessageBatch requests in flight at once while pushing tasks. @default 8 */
  readonly sendConcurrency?: number;
  /**
   * The most long polls of an execution's outcome queue in flight at once: one polls all along,
   * the others join while receives come back full (outcomes waiting) and leave when they do not.
   * @default 3
   */
  readonly outcomeReceivers?: number;
  /**
   * The most tasks that travel in one task message. A push of `n` small tasks (a flow's batch)
   * packs up to `n / 100` of them, at most this many, in one message (up to 64 KiB), which cuts
   * the sends, receives and deletes of tiny tasks almost this many times; tasks in S3 and tasks
   * over 64 KiB travel alone. A worker holds a pack's message until all its tasks are done and a
   * redelivered pack reruns all of them, so for long tasks on many workers set 1 (no packing).
   * Workers read the packs of any setting; theirs only guesses how many tasks a message holds.
   * @default 10
   */
  readonly maxTasksPerMessage?: number;
  /**
   * How long an SQS call may keep failing with transient errors (throttling, 5xx, timeouts,
   * connection resets) before the execution fails: until then it is retried with capped
   * exponential backoff and jitter (up to 10 s between tries). `Infinity`: never give up; `0`:
   * fail at the first transient error. Workers use it too, unless `runWorker` gets its own.
   * @default 300000 (5 minutes)
   */
  readonly maxOutageMs?: number;
  /**
   * Called with each {@link SqsQueueEvent}: rejected outcome messages, retried calls, outcome
   * queues that could not be deleted, a queue created at the same moment with other settings.
   * @default each is emitted as a process warning (retries of a call: at most one every 10 s)
   */
  readonly onEvent?: (event: SqsQueueEvent) => void;
  /**
   * A rerun with a checkpoint that re-attached to the earlier run (same task queue, its outcome
   * queue still there) waits for the tasks that run pushed instead of pushing them again. Those
   * whose outcome has not come once the task queue has held no message (visible, in flight or
   * delayed) for this many seconds in a row count as lost and are pushed again. @default 60
   */
  readonly resumeEmptySec?: number;
  /**
   * The longest a re-attached rerun waits for the outcome of a task the earlier run pushed
   * before pushing it again, even if the task queue is never empty (other runs keep it busy).
   * Longer than your longest task, or that task may run twice. @default 3600
   */
  readonly resumeWaitSec?: number;
  /**
   * An S3 bucket for payloads too big for a message: a task's arguments or a result whose message
   * would pass `payloadThresholdBytes` is stored there (key prefix
   * `mazepa-payloads/<taskQueue>/<executionId>/<run>/`) and its message carries a reference with
   * the object's size and SHA-256 (signed with the rest when `signingKey` is set); the reader
   * reads only its own run's keys, no more than the announced size, and deletes the object only
   * once both checks passed. Workers use the
   * bucket of their queue. The bucket must exist. @default none: such a task is refused
   */
  readonly payloadBucket?: string;
  /** Message texts over this many UTF-8 bytes go to `payloadBucket`. @default 258048 (252 KiB) */
  readonly payloadThresholdBytes?: number;
  /**
   * The S3 client for `payloadBucket` (not destroyed by `close`). @default a client from `region` and
   * the SDK's configuration (`AWS_ENDPOINT_URL_S3`; path-style addressing when an endpoint is set)
   */
  readonly s3Client?: S3Client;
  /**
   * The build of the code on this side (a git commit, an image tag): every task carries it, and
   * a worker with another build does not run it (it makes the message visible again at once,
   * for a worker of this build, and tells the run). A run whose tasks only workers of other
   * builds take fails after `buildWaitMs`, naming both builds. A worker takes its build from its
   * queue (or `runWorker`'s `buildId`). @default the environment variable `MAZEPA_BUILD_ID`; none:
   * tasks run on any worker
   */
  readonly buildId?: string;
  /**
   * How long a run whose tasks workers of other builds refused waits for an outcome (from a
   * worker of its own build) before it fails. @default 60000
   */
  readonly buildWaitMs?: number;
}

/** @internal The options with defaults applied, checked once. */
export interface ResolvedSqsOptions {
  readonly queueName: string;
  readonly queueUrl: string | undefined;
  readonly client: SQSClient | undefined;
  readonly region: string | undefined;
  readonly endpoint: string | undefined;
  readonly visibilityTimeoutSec: number;
  /** Whether `visibilityTimeoutSec` was given (else workers use the queue's own setting). */
  readonly visibilityGiven: boolean;
  readonly waitTimeSeconds: number;
  readonly maxReceiveCount: number | undefined;
  readonly signingKey: SigningKey | undefined;
  readonly sendConcurrency: number;
  readonly outcomeReceivers: number;
  readonly maxTasksPerMessage: number;
  readonly maxOutageMs: number;
  readonly payloadBucket: string | undefined;
  readonly payloadThresholdBytes: number;
  readonly s3Client: S3Client | undefined;
  /** Never throws. */
  readonly onEvent: (event: SqsQueueEvent) => void;
  readonly resumeEmptySec: number;
  readonly resumeWaitSec: number;
  readonly buildId: string | undefined;
  readonly buildWaitMs: number;
}

const KNOWN: KnownOptions<SqsExecutionQueueOptions> = {
  queueName: true,
  queueUrl: true,
  client: true,
  region: true,
  endpoint: true,
  visibilityTimeoutSec: true,
  waitTimeSeconds: true,
  deadLetterQueue: true,
  signingKey: true,
  sendConcurrency: true,
  outcomeReceivers: true,
  maxTasksPerMessage: true,
  onEvent: true,
  maxOutageMs: true,
  resumeEmptySec: true,
  resumeWaitSec: true,
  payloadBucket: true,
  payloadThresholdBytes: true,
  s3Client: true,
  buildId: true,
  buildWaitMs: true,
};

/** @internal How long SQS calls may fail with transient errors by default: 5 minutes. */
export const DEFAULT_MAX_OUTAGE_MS = 300_000;

/** @internal Checks `options` and applies the defaults. */
export function resolveSqsOptions(options: SqsExecutionQueueOptions): ResolvedSqsOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `${OWNER}: options must be an object with 'queueName' or 'queueUrl', received ${String(options)}`,
    );
  }
  checkOptionKeys(OWNER, options, KNOWN);
  const { queueName, queueUrl } = queueLocation(options);
  const dlq = options.deadLetterQueue ?? {};
  if (dlq !== false && (typeof dlq !== 'object' || dlq === null)) fail('deadLetterQueue', 'an object or false', dlq);
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') {
    fail('onEvent', 'a function', options.onEvent);
  }
  return {
    queueName,
    queueUrl,
    client: options.client,
    region: optionalText('region', options.region),
    endpoint: optionalText('endpoint', options.endpoint),
    visibilityTimeoutSec: wholeNumber('visibilityTimeoutSec', options.visibilityTimeoutSec ?? 30, 1, 43_200),
    visibilityGiven: options.visibilityTimeoutSec !== undefined,
    waitTimeSeconds: wholeNumber('waitTimeSeconds', options.waitTimeSeconds ?? 20, 0, 20),
    maxReceiveCount:
      dlq === false ? undefined : wholeNumber('deadLetterQueue.maxReceiveCount', dlq.maxReceiveCount ?? 5, 1, 1000),
    signingKey: checkSigningKey(OWNER, options.signingKey),
    sendConcurrency: wholeNumber('sendConcurrency', options.sendConcurrency ?? 8, 1, 256),
    outcomeReceivers: wholeNumber('outcomeReceivers', options.outcomeReceivers ?? 3, 1, 64),
    maxTasksPerMessage: wholeNumber('maxTasksPerMessage', options.maxTasksPerMessage ?? 10, 1, MAX_TASKS_PER_PACK),
    maxOutageMs: outageBudget(options.maxOutageMs ?? DEFAULT_MAX_OUTAGE_MS),
    payloadBucket: bucketName(options.payloadBucket),
    payloadThresholdBytes: wholeNumber(
      'payloadThresholdBytes',
      options.payloadThresholdBytes ?? DEFAULT_PAYLOAD_THRESHOLD,
      1,
      DEFAULT_PAYLOAD_THRESHOLD,
    ),
    s3Client: options.s3Client,
    onEvent: queueEventListener(options.onEvent),
    resumeEmptySec: wholeNumber('resumeEmptySec', options.resumeEmptySec ?? 60, 0, 86_400),
    resumeWaitSec: wholeNumber('resumeWaitSec', options.resumeWaitSec ?? 3600, 1, 1_209_600),
    buildId: buildIdOf(OWNER, options.buildId),
    buildWaitMs: wholeNumber('buildWaitMs', options.buildWaitMs ?? 60_000, 0, 86_400_000),
  };
}

/** Just under the SQS limit: room for the attributes SQS counts and for a reference message. */
const DEFAULT_PAYLOAD_THRESHOLD = MAX_MESSAGE_BYTES - 4096;
