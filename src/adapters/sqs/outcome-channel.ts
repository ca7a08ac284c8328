import { randomBytes } from 'node:crypto';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { SigningKey } from '../remote/envelope-signing.js';
import { MAX_MESSAGE_BYTES } from '../remote/envelope-text.js';
import type { OutcomeReport } from '../../streams/execution-queue.js';
import { batchCall } from './batch-call.js';
import { createQueue, deleteQueue, type QueueCalls } from './ensure-queue.js';
import { readOutcome } from './outcome-decode.js';
import { startOutcomeHeartbeat, type OutcomeHeartbeat } from './outcome-heartbeat.js';
import type { SqsQueueEvent } from './queue-events.js';
import { isAbort } from './sqs-error.js';
import { retrying, type RetryPolicy } from './sqs-retry.js';

/** @internal What an {@link OutcomeChannel} needs. */
export interface OutcomeChannelOptions {
  readonly client: SQSClient;
  readonly name: string;
  readonly executionId: string;
  readonly signingKey: SigningKey | undefined;
  readonly waitTimeSeconds: number;
  readonly receivers: number;
  readonly onEvent: (event: SqsQueueEvent) => void;
  readonly retry: RetryPolicy;
  /** The URL of an outcome queue that exists (a re-attached run): it is used, not created. */
  readonly existingUrl?: string;
  /** The run token to use (a re-attached run's, so its outcomes are accepted). @default a new one */
  readonly run?: string;
  /** The task queue: when given, the outcome queue carries a heartbeat tag while it is used. */
  readonly taskQueueName?: string;
}

/**
 * @internal One execution's outcome queue: created when the execution starts, long-polled by a
 * few receivers that hand each decoded outcome on and delete the messages, and deleted when
 * the execution ends, however it ends. A message that is not a valid outcome of this run of the
 * execution is deleted and reported, never fatal. Every call is retried on transient errors for up
 * to the outage budget; a receive that fails for longer, or finds the queue deleted, fails the
 * execution.
 */
export class OutcomeChannel {
  /** The queue's URL, once it exists: where workers send the outcomes. */
  readonly url: Promise<string>;
  /**
   * This run's token, sent in every task message and echoed in its outcome: an outcome without
   * it (e.g. of an earlier run with the same execution id) is refused.
   */
  readonly run: string;
  readonly #options: OutcomeChannelOptions;
  readonly #calls: QueueCalls;
  readonly #abort = new AbortController();
  readonly #deletes = new Set<Promise<void>>();
  #loops: Promise<void>[] = [];
  readonly #heartbeat: OutcomeHeartbeat | undefined;

  constructor(options: OutcomeChannelOptions) {
    this.#options = options;
    this.run = options.run ?? newRunToken();
    this.#calls = { client: options.client, retry: options.retry, onEvent: options.onEvent };
    this.url =
      options.existingUrl !== undefined
        ? Promise.resolve(options.existingUrl)
        : createQueue(this.#calls, options.name, {
            MaximumMessageSize: String(MAX_MESSAGE_BYTES),
            MessageRetentionPeriod: '86400',
          });
    this.url.catch(() => undefined); // reported through start's onError
    const { client, taskQueueName, executionId } = options;
    if (taskQueueName !== undefined) {
      this.#heartbeat = startOutcomeHeartbeat({ client, url: this.url, taskQueueName, executionId });
    }
  }

  /** Starts receiving; `onError` gets the first failure (wrapped once, naming the queue). */
  start(onReport: (report: OutcomeReport) => void, onError: (error: unknown) => void): void {
    const run = async (): Promise<void> => {
      const url = await this.url;
      await this.#receive(url, onReport);
    };
    const fail = (error: unknown): void => {
      if (!this.#abort.signal.aborted) onError(error);
    };
    this.#loops = Array.from({ length: this.#options.receivers }, () => run().catch(fail));
  }

  /**
   * Stops receiving and deletes the queue. Never rejects: a queue that could not be deleted is
   * reported (`queue_not_deleted`, with its URL).
   */
  async stop(): Promise<void> {
    this.#abort.abort();
    this.#heartbeat?.stop();
    await Promise.all(this.#loops);
    await Promise.all(this.#deletes);
    const url = await this.url.catch(() => undefined);
    if (url === undefined) return;
    const { name: queueName, onEvent } = this.#options;
    await deleteQueue(this.#calls, url, queueName).catch((error: unknown) =>
      onEvent({ type: 'queue_not_deleted', queueName, queueUrl: url, error }),
    );
  }

  async #receive(url: string, onReport: (report: OutcomeReport) => void): Promise<void> {
    const { client, name, waitTimeSeconds, retry } = this.#options;
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      let messages: Message[];
      try {
        messages = await retrying(
          retry,
          'ReceiveMessage',
          name,
          async () => {
            const command = new ReceiveMessageCommand({
              QueueUrl: url,
              MaxNumberOfMessages: 10,
              WaitTimeSeconds: waitTimeSeconds,
            });
            return (await client.send(command, { abortSignal: signal })).Messages ?? [];
          },
          { signal },
        );
      } catch (error) {
        if (isAbort(error, signal)) return;
        throw error; // failing for longer than the budget, or the queue is gone: it does not come back
      }
      const receipts: string[] = [];
      for (const message of messages) {
        if (signal.aborted) return;
        this.#hand(message, onReport);
        if (message.ReceiptHandle !== undefined) receipts.push(message.ReceiptHandle);
      }
      if (receipts.length > 0 && !signal.aborted) this.#track(this.#delete(url, receipts));
    }
  }

  /** Hands on the report a message makes, reporting one that is not a valid outcome. */
  #hand(message: Message, onReport: (report: OutcomeReport) => void): void {
    const { executionId, name: queueName, signingKey, onEvent } = this.#options;
    const { run } = this;
    const { report, rejected, taskId } = readOutcome(message.Body, { queueName, executionId, run, signingKey });
    if (rejected !== undefined) {
      const messageId = message.MessageId ?? '?';
      const failedTask = report !== undefined;
      onEvent({ type: 'outcome_rejected', queueName, executionId, messageId, taskId, reason: rejected, failedTask });
    }
    if (report !== undefined) onReport(report);
  }

  /** Deletes handled outcome messages, retrying until the channel stops. */
  async #delete(url: string, receipts: readonly string[]): Promise<void> {
    const { client, name, retry } = this.#options;
    try {
      await batchCall(
        retry,
        'DeleteMessageBatch',
        name,
        receipts.length,
        async (indices) => {
          const Entries = indices.map((i) => ({ Id: String(i), ReceiptHandle: receipts[i]! }));
          return (await client.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries }))).Failed;
        },
        { signal: this.#abort.signal },
      );
    } catch {
      // An outcome read twice is ignored by the engine: a lost delete only costs a duplicate.
    }
  }

  #track(promise: Promise<void>): void {
    this.#deletes.add(promise);
    void promise.finally(() => this.#deletes.delete(promise));
  }
}

/** @internal A new run token: 18 random bytes, base64url. */
export function newRunToken(): string {
  return randomBytes(18).toString('base64url');
}
