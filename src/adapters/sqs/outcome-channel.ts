import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { SigningKey } from '../../flows/envelope-signing.js';
import { decodeOutcomeEnvelope } from '../../flows/envelope-outcome.js';
import { MazepaError } from '../../flows/errors.js';
import type { OutcomeReport } from '../../streams/execution-queue.js';
import { createQueue, deleteQueue } from './ensure-queue.js';
import { MAX_MESSAGE_BYTES } from '../../flows/envelope-text.js';
import { isAbort, wrapSqsError } from './sqs-error.js';

/** @internal What an {@link OutcomeChannel} needs. */
export interface OutcomeChannelOptions {
  readonly client: SQSClient;
  readonly name: string;
  readonly executionId: string;
  readonly signingKey: SigningKey | undefined;
  readonly waitTimeSeconds: number;
  readonly receivers: number;
}

/**
 * @internal One execution's outcome queue: created when the execution starts, long-polled by a
 * few receivers that hand each decoded outcome on and delete the messages, and deleted when
 * the execution ends, however it ends.
 */
export class OutcomeChannel {
  /** The queue's URL, once it exists: where workers send the outcomes. */
  readonly url: Promise<string>;
  readonly #options: OutcomeChannelOptions;
  readonly #abort = new AbortController();
  readonly #deletes = new Set<Promise<void>>();
  #loops: Promise<void>[] = [];

  constructor(options: OutcomeChannelOptions) {
    this.#options = options;
    this.url = createQueue(options.client, options.name, {
      MaximumMessageSize: String(MAX_MESSAGE_BYTES),
      MessageRetentionPeriod: '86400',
    });
    this.url.catch(() => undefined); // reported through start's onError
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

  /** Stops receiving and deletes the queue. Never rejects. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await Promise.all(this.#loops);
    await Promise.all(this.#deletes);
    const url = await this.url.catch(() => undefined);
    if (url !== undefined) await deleteQueue(this.#options.client, url, this.#options.name).catch(() => undefined);
  }

  async #receive(url: string, onReport: (report: OutcomeReport) => void): Promise<void> {
    const { client, name, waitTimeSeconds } = this.#options;
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      let messages: Message[];
      try {
        const response = await client.send(
          new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: waitTimeSeconds }),
          { abortSignal: signal },
        );
        messages = response.Messages ?? [];
      } catch (error) {
        if (isAbort(error, signal)) return;
        throw wrapSqsError(error, 'ReceiveMessage', name);
      }
      const receipts: string[] = [];
      for (const message of messages) {
        if (signal.aborted) return;
        onReport(this.#decode(message));
        if (message.ReceiptHandle !== undefined) receipts.push(message.ReceiptHandle);
      }
      if (receipts.length > 0 && !signal.aborted) this.#track(this.#delete(url, receipts));
    }
  }

  #decode(message: Message): OutcomeReport {
    const { executionId, name, signingKey } = this.#options;
    let decoded;
    try {
      decoded = decodeOutcomeEnvelope(message.Body, { signingKey });
    } catch (error) {
      throw new MazepaError(
        `Outcome queue '${name}' received a message that is not a valid outcome: ${String(error)}`,
        {
          cause: error,
        },
      );
    }
    if (decoded.executionId !== executionId) {
      throw new MazepaError(
        `Outcome queue '${name}' of execution ${executionId} received an outcome of execution ${decoded.executionId}`,
        { taskId: decoded.taskId },
      );
    }
    return { taskId: decoded.taskId, outcome: decoded.outcome, attempt: decoded.attempt };
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
