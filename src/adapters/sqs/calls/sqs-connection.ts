/**
 * The calls room: every SQS call both sides make, written once (receive, send, delete and
 * visibility batches of at most `SQS_BATCH_LIMIT`), retried within an `OutageBudget`, with the
 * errors that name them (`SqsQueueError`, `S3CallError`). This file is the connection to a task
 * queue that both sides use: the SQS client (and the payload bucket's S3 client), the task
 * queue's URL, found or created once, and how calls retry. The orchestrator pushes tasks through
 * it; a worker gets a {@link SqsConnection} with its own outage budget.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { ResolvedSqsOptions } from '../orchestrator/sqs-options.js';
import { PayloadStore } from '../payloads/payload-store.js';
import { ensureTaskQueue, queueVisibility } from './ensure-queue.js';
import { outcomeQueuePrefix } from './queue-names.js';
import type { OutageBudget } from './sqs-retry.js';

/** @internal What a worker needs of a queue: its client, URL and settings. */
export interface SqsConnection {
  readonly client: SQSClient;
  readonly url: string;
  readonly name: string;
  readonly options: ResolvedSqsOptions;
  /** Workers reply only to queues whose name starts with this. */
  readonly outcomePrefix: string;
  /** How the calls retry transient errors. */
  readonly retry: OutageBudget;
  /** Where messages too big for SQS go, when a payload bucket is set. */
  readonly payloads?: PayloadStore | undefined;
}

/** @internal A worker's own outage budget and retry listener, for {@link SqsConnector.connect}. */
export interface WorkerRetry {
  readonly maxOutageMs: number | undefined;
  readonly onRetry: OutageBudget['onRetry'];
}

/**
 * @internal The clients and task queue of one `SqsExecutionQueue`: the clients are made from
 * the options unless given (and then destroyed by {@link close}); the task queue is ensured once,
 * and again after a failure.
 */
export class SqsConnector {
  readonly client: SQSClient;
  /** The queue's own retries: its outage budget and event listener. */
  readonly retry: OutageBudget;
  readonly payloads: PayloadStore | undefined;
  readonly #options: ResolvedSqsOptions;
  readonly #ownsClient: boolean;
  readonly #ownsS3Client: boolean;
  #url: Promise<string> | undefined;
  #connection: Promise<SqsConnection> | undefined;

  constructor(options: ResolvedSqsOptions) {
    this.#options = options;
    const { client, region, endpoint, maxOutageMs, onEvent } = options;
    this.#ownsClient = client === undefined;
    this.client = client ?? makeClient(region, endpoint, true);
    this.retry = { maxOutageMs, onRetry: onEvent };
    const { payloadBucket, payloadThresholdBytes, s3Client } = options;
    this.#ownsS3Client = payloadBucket !== undefined && s3Client === undefined;
    this.payloads =
      payloadBucket === undefined
        ? undefined
        : new PayloadStore(s3Client ?? makeS3Client(region), payloadBucket, payloadThresholdBytes, this.retry);
  }

  /** The task queue's URL, once it exists (it is created if missing). */
  taskQueueUrl(retry: OutageBudget = this.retry): Promise<string> {
    if (this.#url === undefined) {
      this.#url = ensureTaskQueue({ client: this.client, retry, onEvent: this.#options.onEvent }, this.#options);
      this.#url.catch(() => (this.#url = undefined)); // a later call tries again
    }
    return this.#url;
  }

  /**
   * The client, URL and settings, once the task queue exists; its calls retry as the queue's
   * do, or with a worker's own budget and listener.
   */
  connect(worker?: WorkerRetry): Promise<SqsConnection> {
    const retry =
      worker === undefined
        ? this.retry
        : { maxOutageMs: worker.maxOutageMs ?? this.retry.maxOutageMs, onRetry: worker.onRetry };
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

  /** Destroys the clients this connector made. */
  close(): void {
    if (this.#ownsClient) this.client.destroy();
    if (this.#ownsS3Client) this.payloads?.client.destroy();
  }

  async #connect(retry: OutageBudget): Promise<SqsConnection> {
    const url = await this.taskQueueUrl(retry);
    const { queueName } = this.#options;
    const calls = { client: this.client, retry, onEvent: this.#options.onEvent };
    const options = this.#options.visibilityGiven
      ? this.#options
      : { ...this.#options, visibilityTimeoutSec: await queueVisibility(calls, url, queueName) };
    return {
      client: this.client,
      url,
      name: queueName,
      options,
      outcomePrefix: outcomeQueuePrefix(queueName),
      retry,
      payloads: this.payloads,
    };
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
