import { randomBytes } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Observable } from 'rxjs';
import { CodecError } from '../../../flows/codec/codec-error.js';
import { encodeTaskEnvelope, taskEnvelopeOf } from '../../remote/envelope.js';
import { lookupOperation } from '../../../flows/registry.js';
import { MAX_MESSAGE_BYTES, messageBytes } from '../../remote/envelope-text.js';
import { MazepaError } from '../../../flows/errors.js';
import type { Task } from '../../../flows/task.js';
import type { ExecutionQueue, OutcomeReport } from '../../../streams/execution-queue.js';
import type { PreviousRun, QueueAttachment } from '../../../streams/queue-attachment.js';
import { ensureTaskQueue, queueVisibility } from '../calls/ensure-queue.js';
import { OutcomeChannel } from './outcome-channel.js';
import { PayloadStore } from '../payloads/payload-store.js';
import { outcomeQueueName, outcomeQueuePrefix } from '../calls/queue-names.js';
import { planExecution, type PlannedExecution } from './reattach.js';
import { createLimiter, sendAll, type Limiter } from '../calls/send-messages.js';
import { resolveSqsOptions, type ResolvedSqsOptions, type SqsExecutionQueueOptions } from './sqs-options.js';
import type { RetryPolicy } from '../calls/sqs-retry.js';
import { packTaskMessages, type TaskMessage } from '../messages/task-pack.js';

/** @internal What a worker needs of a queue: its client, URL and settings. */
export interface SqsConnection {
  readonly client: SQSClient;
  readonly url: string;
  readonly name: string;
  readonly options: ResolvedSqsOptions;
  /** Workers reply only to queues whose name starts with this. */
  readonly outcomePrefix: string;
  /** How the calls retry transient errors. */
  readonly retry: RetryPolicy;
  /** Where messages too big for SQS go, when a payload bucket is set. */
  readonly payloads?: PayloadStore | undefined;
}

/**
 * An `ExecutionQueue` on AWS SQS: tasks go to a task queue that worker processes (`mazepa
 * worker`, or {@link runWorker}) on any number of machines read; each execution gets its own
 * outcome queue, long-polled for the workers' replies and deleted when the execution ends.
 * The task queue and its dead-letter queue are created if missing (by whichever process comes
 * first). Transient SQS errors are retried for up to `maxOutageMs`.
 *
 * @example
 * ```ts
 * import { execute } from 'mazepa';
 * import { SqsExecutionQueue } from 'mazepa/sqs';
 * const queue = new SqsExecutionQueue({ queueName: 'mazepa-tasks', region: 'us-east-1' });
 * try {
 *   await execute(flow, { queue });
 * } finally {
 *   await queue.close();
 * }
 * ```
 */
export class SqsExecutionQueue implements ExecutionQueue {
  readonly name: string;
  readonly #options: ResolvedSqsOptions;
  readonly #client: SQSClient;
  readonly #ownsClient: boolean;
  readonly #payloads: PayloadStore | undefined;
  readonly #ownsS3Client: boolean;
  readonly #executions = new Map<string, OutcomeChannel>();
  readonly #cleanups = new Set<Promise<void>>();
  /** Executions `attach` prepared, until their outcomes are subscribed to. */
  readonly #planned = new Map<string, PlannedExecution>();
  /** Bounds the SendMessageBatch requests in flight, over all pushes. */
  readonly #sends: Limiter;
  readonly #retry: RetryPolicy;
  #url: Promise<string> | undefined;
  #connection: Promise<SqsConnection> | undefined;
  #closed = false;

  constructor(options: SqsExecutionQueueOptions) {
    this.#options = resolveSqsOptions(options);
    const { client, region, endpoint } = this.#options;
    this.#ownsClient = client === undefined;
    this.#client = client ?? makeClient(region, endpoint, true);
    this.name = `sqs:${this.#options.queueName}`;
    this.#sends = createLimiter(this.#options.sendConcurrency);
    const { maxOutageMs, onEvent } = this.#options;
    this.#retry = { maxOutageMs, onRetry: onEvent };
    const { payloadBucket, payloadThresholdBytes, s3Client } = this.#options;
    this.#ownsS3Client = payloadBucket !== undefined && s3Client === undefined;
    this.#payloads =
      payloadBucket === undefined
        ? undefined
        : new PayloadStore(
            s3Client ?? makeS3Client(region),
            payloadBucket,
            payloadThresholdBytes,
            this.#retry,
            this.#options.queueName,
          );
  }

  /**
   * @internal The client, URL and settings, once the task queue exists; its calls retry as this
   * queue's do, or with a worker's own budget and listener.
   */
  connect(worker?: {
    readonly maxOutageMs: number | undefined;
    readonly onRetry: RetryPolicy['onRetry'];
  }): Promise<SqsConnection> {
    const retry =
      worker === undefined
        ? this.#retry
        : { maxOutageMs: worker.maxOutageMs ?? this.#retry.maxOutageMs, onRetry: worker.onRetry };
    if (this.#connection === undefined) {
      const connection = this.#connect(retry);
      this.#connection = connection;
      connection.catch(() => (this.#connection = undefined)); // a later call tries again
    }
    return this.#connection.then((connection) => ({
      ...connection,
      retry,
      payloads: connection.payloads?.withRetry(retry),
    }));
  }

  async #connect(retry: RetryPolicy): Promise<SqsConnection> {
    const url = await this.#taskQueueUrl(retry);
    const { queueName } = this.#options;
    const calls = { client: this.#client, retry, onEvent: this.#options.onEvent };
    const options = this.#options.visibilityGiven
      ? this.#options
      : { ...this.#options, visibilityTimeoutSec: await queueVisibility(calls, url, queueName) };
    return {
      client: this.#client,
      url,
      name: queueName,
      options,
      outcomePrefix: outcomeQueuePrefix(queueName),
      retry,
      payloads: this.#payloads,
    };
  }

  async pushTasks(tasks: readonly Task[]): Promise<void> {
    if (this.#closed) throw new MazepaError(`${this.name}: the queue is closed`);
    const queueUrl = this.#taskQueueUrl();
    const messages: TaskMessage[] = [];
    for (const task of tasks) {
      const channel = task.executionId === undefined ? undefined : this.#executions.get(task.executionId);
      if (channel === undefined) {
        throw new MazepaError(
          `${this.name}: task ${task.id} belongs to execution ${String(task.executionId)}, which nobody ` +
            'is listening to (subscribe to outcomes(executionId) first)',
          { taskId: task.id },
        );
      }
      messages.push(await this.#message(task, await channel.url, channel.run));
    }
    const to = { client: this.#client, url: await queueUrl, name: this.#options.queueName, retry: this.#retry };
    await sendAll(to, packTaskMessages(messages, this.#options.maxTasksPerMessage), this.#sends);
  }

  /**
   * A rerun with a checkpoint re-attaches to the execution that wrote it when the checkpoint
   * names this task queue and that execution's outcome queue still exists: it takes the outcomes
   * that came while no orchestrator ran, and the tasks that execution pushed are awaited, not
   * pushed again, unless lost (see `resumeEmptySec`, `resumeWaitSec`). Otherwise it starts afresh.
   */
  async attach(executionId: string, previous: PreviousRun): Promise<QueueAttachment> {
    if (this.#closed) throw new MazepaError(`${this.name}: the queue is closed`);
    const taskQueueUrl = await this.#taskQueueUrl();
    const calls = { client: this.#client, retry: this.#retry, onEvent: this.#options.onEvent };
    const { plan, attachment } = await planExecution(calls, this.#options, taskQueueUrl, executionId, previous);
    this.#planned.set(attachment.executionId, plan);
    return attachment;
  }

  outcomes(executionId: string): Observable<OutcomeReport> {
    return new Observable<OutcomeReport>((subscriber) => {
      if (this.#closed) return subscriber.error(new MazepaError(`${this.name}: the queue is closed`));
      if (this.#executions.has(executionId)) {
        return subscriber.error(new MazepaError(`${this.name}: execution ${executionId} is already running`));
      }
      const plan = this.#planned.get(executionId);
      this.#planned.delete(executionId);
      const watch = plan?.watch;
      const channel = new OutcomeChannel({
        client: this.#client,
        name:
          plan?.outcomeQueueName ??
          outcomeQueueName(this.#options.queueName, executionId, randomBytes(3).toString('hex')),
        ...(plan?.outcomeQueueUrl === undefined ? {} : { existingUrl: plan.outcomeQueueUrl }),
        ...(plan === undefined ? {} : { run: plan.run }),
        executionId,
        signingKey: this.#options.signingKey,
        payloads: this.#payloads,
        waitTimeSeconds: this.#options.waitTimeSeconds,
        receivers: this.#options.outcomeReceivers,
        onEvent: this.#options.onEvent,
        retry: this.#retry,
        taskQueueName: this.#options.queueName,
      });
      this.#executions.set(executionId, channel);
      channel.start(
        (report) => {
          watch?.seen(report.taskId);
          subscriber.next(report);
        },
        (error) => subscriber.error(error),
      );
      watch?.start();
      return () => {
        watch?.stop();
        this.#executions.delete(executionId);
        const cleanup = channel.stop();
        this.#cleanups.add(cleanup);
        void cleanup.finally(() => this.#cleanups.delete(cleanup));
      };
    });
  }

  /**
   * Waits until the outcome queues of ended executions are deleted, and destroys the client if
   * this queue made it. Executions still running are not stopped: unsubscribe from them first.
   * Never rejects: an outcome queue that could not be deleted is reported through `onEvent`
   * (`queue_not_deleted`, with its URL; by default a process warning).
   */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#cleanups.size > 0) await Promise.all(this.#cleanups);
    if (this.#executions.size > 0) return;
    if (this.#ownsClient) this.#client.destroy();
    if (this.#ownsS3Client) this.#payloads?.client.destroy();
  }

  #taskQueueUrl(retry: RetryPolicy = this.#retry): Promise<string> {
    if (this.#url === undefined) {
      this.#url = ensureTaskQueue({ client: this.#client, retry, onEvent: this.#options.onEvent }, this.#options);
      this.#url.catch(() => (this.#url = undefined)); // a later call tries again
    }
    return this.#url;
  }

  async #message(task: Task, replyTo: string, run: string): Promise<TaskMessage> {
    const refuse = (why: string, cause?: unknown): MazepaError =>
      new MazepaError(`${this.name}: task ${task.id} cannot be sent to SQS: ${why}`, { taskId: task.id, cause });
    if (task.unencodable !== undefined) throw refuse(task.unencodable);
    // A task made with `new Task({ fn })` names an operation no worker registered either.
    if (lookupOperation(task.operationName) === undefined) {
      throw refuse(
        `its operation '${task.operationName}' is not registered in this process, so no worker can know it; ` +
          'make it with taskableOperation or taskableOperationCls',
      );
    }
    let body: string;
    try {
      body = encodeTaskEnvelope(taskEnvelopeOf(task, replyTo, run), { signingKey: this.#options.signingKey });
    } catch (error) {
      throw refuse(error instanceof CodecError ? error.message : String(error), error);
    }
    const bytes = messageBytes(body);
    const payloads = this.#payloads;
    if (payloads !== undefined && bytes > payloads.thresholdBytes) {
      const { executionId, id: taskId, attempt } = task;
      const owner = { of: 'task', executionId: executionId!, taskId, attempt, run, replyTo } as const;
      const ref = await payloads.offload(body, owner, this.#options.signingKey);
      return { body: ref, bytes: messageBytes(ref), packable: false };
    }
    if (bytes > MAX_MESSAGE_BYTES) {
      throw refuse(
        `its message is ${bytes} bytes (${(bytes / 1024).toFixed(1)} KiB), over the SQS limit of ` +
          `${MAX_MESSAGE_BYTES} bytes (256 KiB); set the queue's payloadBucket (--payload-bucket) to send it ` +
          'through S3, or pass large data by reference (e.g. a storage path)',
      );
    }
    return { body, bytes, packable: true };
  }
}

/**
 * @internal A client from the options and the SDK's standard configuration. Requests always go
 * to the configured endpoint (the region's, or `endpoint` / `AWS_ENDPOINT_URL_SQS`), never to the
 * host a queue URL names (`useQueueUrlAsEndpoint: false`): a queue URL read from a message must
 * not decide where signed requests go. Emulators' URLs may name another host, too. With
 * `retriedByMazepa` (the queue's and its workers' calls, retried within `maxOutageMs`), the SDK
 * tries each request once (`maxAttempts: 1`) instead of multiplying the tries, and a connection
 * that takes over 10 s to open, or a request silent for 60 s (a long poll waits 20 s at most),
 * fails as a timeout, to be tried again, rather than hanging.
 */
export function makeClient(
  region: string | undefined,
  endpoint: string | undefined,
  retriedByMazepa = false,
): SQSClient {
  return new SQSClient({
    ...(region === undefined ? {} : { region }),
    ...(endpoint === undefined ? {} : { endpoint }),
    useQueueUrlAsEndpoint: false,
    ...(retriedByMazepa
      ? { maxAttempts: 1, requestHandler: { connectionTimeout: 10_000, requestTimeout: 60_000 } }
      : {}),
  });
}

/**
 * @internal The S3 client of a payload bucket, from the SDK's standard configuration. With a custom
 * endpoint (`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`: an emulator, MinIO), addressing is
 * path-style, which such servers expect.
 */
export function makeS3Client(region: string | undefined): S3Client {
  const custom = Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL);
  return new S3Client({ ...(region === undefined ? {} : { region }), ...(custom ? { forcePathStyle: true } : {}) });
}
