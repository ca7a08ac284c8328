import { randomBytes } from 'node:crypto';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { SigningKey } from '../../flows/envelope-signing.js';
import { MAX_MESSAGE_BYTES } from '../../flows/envelope-text.js';
import type { OutcomeReport } from '../../streams/execution-queue.js';
import { createQueue, deleteQueue } from './ensure-queue.js';
import { readOutcome } from './outcome-decode.js';
import { startOutcomeHeartbeat, type OutcomeHeartbeat } from './outcome-heartbeat.js';
import type { SqsQueueEvent } from './queue-events.js';
import { isAbort, isQueueMissing, SqsQueueError, wrapSqsError } from './sqs-error.js';

/**
 * @internal Failed receives in a row (each after the SDK's own retries) that one receiver of an
 * outcome queue sits out, waiting 250 ms, 500 ms, ... up to 20 s between them (about 70 s in
 * all), before the execution fails.
 */
export const RECEIVE_FAILURE_LIMIT = 10;

/** @internal What an {@link OutcomeChannel} needs. */
export interface OutcomeChannelOptions {
  readonly client: SQSClient;
  readonly name: string;
  readonly executionId: string;
  readonly signingKey: SigningKey | undefined;
  readonly waitTimeSeconds: number;
  readonly receivers: number;
  readonly onEvent: (event: SqsQueueEvent) => void;
  /** The task queue: when given, the outcome queue carries a heartbeat tag while it is used. */
  readonly taskQueueName?: string;
}

/**
 * @internal One execution's outcome queue: created when the execution starts, long-polled by a
 * few receivers that hand each decoded outcome on and delete the messages, and deleted when
 * the execution ends, however it ends. A message that is not a valid outcome of this run of the
 * execution is deleted and reported, never fatal; a receive that fails is retried with backoff.
 */
export class OutcomeChannel {
  /** The queue's URL, once it exists: where workers send the outcomes. */
  readonly url: Promise<string>;
  /**
   * This run's token, sent in every task message and echoed in its outcome: an outcome without
   * it (e.g. of an earlier run with the same execution id) is refused.
   */
  readonly run = randomBytes(18).toString('base64url');
  readonly #options: OutcomeChannelOptions;
  readonly #abort = new AbortController();
  readonly #deletes = new Set<Promise<void>>();
  #loops: Promise<void>[] = [];
  readonly #heartbeat: OutcomeHeartbeat | undefined;

  constructor(options: OutcomeChannelOptions) {
    this.#options = options;
    this.url = createQueue(options.client, options.name, {
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
    const { client, name: queueName, onEvent } = this.#options;
    await deleteQueue(client, url, queueName).catch((error: unknown) =>
      onEvent({ type: 'queue_not_deleted', queueName, queueUrl: url, error }),
    );
  }

  async #receive(url: string, onReport: (report: OutcomeReport) => void): Promise<void> {
    const { client, name, waitTimeSeconds } = this.#options;
    const signal = this.#abort.signal;
    let failures = 0;
    while (!signal.aborted) {
      let messages: Message[];
      try {
        const response = await client.send(
          new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: waitTimeSeconds }),
          { abortSignal: signal },
        );
        messages = response.Messages ?? [];
        failures = 0;
      } catch (error) {
        if (isAbort(error, signal)) return;
        failures++;
        // A deleted queue does not come back: waiting for it would only delay the failure.
        if (isQueueMissing(error)) throw wrapSqsError(error, 'ReceiveMessage', name);
        if (failures >= RECEIVE_FAILURE_LIMIT) throw this.#gaveUp(error, failures);
        await this.#pause(error, failures);
        continue;
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

  /** Waits before the next receive after `failures` failed ones in a row; ends early on stop. */
  async #pause(error: unknown, failures: number): Promise<void> {
    const { name: queueName, executionId, onEvent } = this.#options;
    const retryInMs = Math.min(20_000, 250 * 2 ** (failures - 1));
    const wrapped = wrapSqsError(error, 'ReceiveMessage', queueName);
    onEvent({ type: 'receive_retried', queueName, executionId, error: wrapped, failures, retryInMs });
    const signal = this.#abort.signal;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, retryInMs);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  #gaveUp(error: unknown, failures: number): SqsQueueError {
    const queueName = this.#options.name;
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return new SqsQueueError(
      `SQS ReceiveMessage on outcome queue '${queueName}' failed ${failures} times in a row; the last: ${detail}`,
      { queueName, operation: 'ReceiveMessage', cause: error },
    );
  }

  async #delete(url: string, receipts: readonly string[]): Promise<void> {
    const { client } = this.#options;
    try {
      await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: url,
          Entries: receipts.map((ReceiptHandle, i) => ({ Id: String(i), ReceiptHandle })),
        }),
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
