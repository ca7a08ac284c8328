import { setTimeout as sleep } from 'node:timers/promises';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { isBuildNotice, type BuildNotice } from '../../remote/build-notice.js';
import type { SigningKey } from '../../remote/envelope-signing.js';
import { MAX_MESSAGE_BYTES } from '../../remote/envelope-text.js';
import type { OutcomeReport } from '../../../streams/execution-queue.js';
import { SQS_BATCH_LIMIT } from '../calls/batch-limit.js';
import { createQueue, deleteQueue, type QueueCalls } from '../calls/ensure-queue.js';
import { readBuildNotice, readOutcome, type ReadOutcome } from './outcome-decode.js';
import { newRunToken } from './run-token.js';
import { deleteBatcher } from '../calls/message-batches.js';
import { startOutcomeHeartbeat, type OutcomeHeartbeat } from './outcome-heartbeat.js';
import { isOutcomePack, unpackOutcomes } from '../messages/outcome-pack.js';
import { readOutcomeRef } from '../payloads/outcome-payload.js';
import { isPayloadRef, type PayloadRef } from '../payloads/payload-ref.js';
import type { PayloadStore } from '../payloads/payload-store.js';
import type { SqsQueueEvent } from './queue-events.js';
import { receiveMessages } from '../calls/receive-messages.js';
import { isAbort, isQueueMissing } from '../calls/sqs-error.js';
import { MazepaCancelledError } from '../../../flows/errors.js';
import type { OutageBudget } from '../calls/sqs-retry.js';

/** @internal What an {@link OutcomeChannel} needs. */
export interface OutcomeChannelOptions {
  readonly client: SQSClient;
  readonly name: string;
  readonly executionId: string;
  readonly signingKey: SigningKey | undefined;
  /** Where outcomes too big for a message are read from. */
  readonly payloads: PayloadStore | undefined;
  readonly waitTimeSeconds: number;
  readonly receivers: number;
  readonly onEvent: (event: SqsQueueEvent) => void;
  readonly retry: OutageBudget;
  /** The URL of an outcome queue that exists (a re-attached run): it is used, not created. */
  readonly existingUrl?: string;
  /** The run token to use (a re-attached run's, so its outcomes are accepted). @default a new one */
  readonly run?: string;
  /** Called with each build notice of this run (a worker of another build gave its tasks back). */
  readonly onNotice?: (notice: BuildNotice) => void;
  /** The task queue: when given, the outcome queue carries a heartbeat tag while it is used. */
  readonly taskQueueName?: string;
  /** See {@link OUTCOME_GATHER_MS}. @default OUTCOME_GATHER_MS */
  readonly gatherMs?: number;
}

/**
 * @internal The longest a receiver waits before its next receive when the last one was neither
 * empty nor full while at least {@link GATHER_OUTSTANDING} tasks are still out: outcomes are
 * streaming in, and a receive a little later takes ten messages instead of one or two (a receive
 * costs the same whatever it brings). The wait starts at 50 ms, doubles while receives bring
 * fewer than five messages and halves when one comes back full. Executions with few tasks out
 * never wait, so a flow waiting on one task hears of it at once.
 */
export const OUTCOME_GATHER_MS = 1000;
/**
 * @internal How long deletions of outcome messages are gathered at most: nobody waits for them
 * (a handled message stays hidden meanwhile), so they go in full batches of ten.
 */
export const OUTCOME_DELETE_GATHER_MS = 1000;
/** @internal See {@link OUTCOME_GATHER_MS}. */
export const GATHER_OUTSTANDING = 100;
/**
 * @internal How long an outcome message received stays hidden (the receive's own visibility
 * timeout, not the queue's 30 s). The orchestrator deletes what it received within about
 * {@link OUTCOME_DELETE_GATHER_MS}, so this only matters for a receive nobody handles: the long
 * poll of an orchestrator killed while it waited takes the outcomes that arrive next, and its
 * rerun gets them back after this, not after 30 s. One received twice is ignored.
 */
export const OUTCOME_HOLD_SEC = 10;

/**
 * @internal One execution's outcome queue: created when the execution starts, long-polled by a
 * few receivers that hand each decoded outcome on and delete the messages, and deleted when
 * the execution ends, however it ends. A message that is not a valid outcome of this run of the
 * execution is deleted and reported, never fatal. Every call is retried on transient errors for up
 * to the outage budget; a receive that fails for longer fails the execution, and one that finds
 * the queue deleted (`cancelExecution`) cancels it with a `MazepaCancelledError`.
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
  /** Deletions of received messages, gathered over the receivers into full batches. */
  readonly #deleter;
  #loops: Promise<void>[] = [];
  /** Tasks pushed whose outcome has not come yet (duplicates may make it a little low). */
  #outstanding = 0;
  readonly #heartbeat: OutcomeHeartbeat | undefined;

  constructor(options: OutcomeChannelOptions) {
    this.#options = options;
    this.run = options.run ?? newRunToken();
    this.#calls = { client: options.client, retry: options.retry, onEvent: options.onEvent };
    const { client, name, retry } = options;
    this.#deleter = deleteBatcher({ client, name, retry }, { signal: this.#abort.signal }, OUTCOME_DELETE_GATHER_MS);
    this.url =
      options.existingUrl !== undefined
        ? Promise.resolve(options.existingUrl)
        : createQueue(this.#calls, options.name, {
            MaximumMessageSize: String(MAX_MESSAGE_BYTES),
            MessageRetentionPeriod: '86400',
          });
    this.url.catch(() => undefined); // reported through start's onError
    const { taskQueueName, executionId } = options;
    if (taskQueueName !== undefined) {
      this.#heartbeat = startOutcomeHeartbeat({ client, url: this.url, taskQueueName, executionId });
    }
  }

  /** Counts `count` tasks pushed for this execution, whose outcomes are to come. */
  expect(count: number): void {
    this.#outstanding += count;
  }

  /**
   * Starts receiving; `onError` gets the first failure (wrapped once, naming the queue). One
   * receiver polls all along; up to `receivers - 1` more join while receives come back full (a
   * backlog) and leave at the first that does not, so an execution waiting for slow tasks keeps
   * one long poll open, not several.
   */
  start(onReport: (report: OutcomeReport) => void, onError: (error: unknown) => void): void {
    const fail = (error: unknown): void => {
      if (!this.#abort.signal.aborted) onError(error);
    };
    let helpers = 0;
    const join = (url: string): void => {
      if (helpers >= this.#options.receivers - 1 || this.#abort.signal.aborted) return;
      helpers++;
      const helper = this.#receive(url, onReport, join, false)
        .catch(fail)
        .finally(() => helpers--);
      this.#loops.push(helper);
    };
    const run = async (): Promise<void> => {
      const url = await this.url;
      await this.#receive(url, onReport, join, true);
    };
    this.#loops = [run().catch(fail)];
  }

  /**
   * Stops receiving and deletes the queue. Never rejects: a queue that could not be deleted is
   * reported (`queue_not_deleted`, with its URL).
   */
  async stop(): Promise<void> {
    this.#abort.abort();
    this.#heartbeat?.stop();
    while (this.#loops.length > 0) await Promise.all(this.#loops.splice(0));
    // The queue goes first: it is how the workers learn that the run has ended (a reply refused,
    // or asking, drops its tasks they hold); the outcome messages still to delete go with it.
    const url = await this.url.catch(() => undefined);
    if (url !== undefined) {
      const { name: queueName, onEvent } = this.#options;
      await deleteQueue(this.#calls, url, queueName).catch((error: unknown) =>
        onEvent({ type: 'queue_not_deleted', queueName, queueUrl: url, error }),
      );
    }
    await this.#deleter.drain(); // a queue that could not be deleted keeps none of them
    await Promise.all(this.#deletes); // and their payloads
  }

  /** A receive loop: `join` calls in another while messages wait; a helper leaves when none do. */
  async #receive(
    url: string,
    onReport: (report: OutcomeReport) => void,
    join: (url: string) => void,
    lasting: boolean,
  ): Promise<void> {
    const { client, name, waitTimeSeconds, retry } = this.#options;
    const signal = this.#abort.signal;
    const longest = this.#options.gatherMs ?? OUTCOME_GATHER_MS;
    let gather = 0;
    while (!signal.aborted) {
      let messages: Message[];
      try {
        messages = await receiveMessages(
          { client, url, name, retry },
          { waitSeconds: waitTimeSeconds, visibilityTimeoutSec: OUTCOME_HOLD_SEC, signal },
        );
      } catch (error) {
        if (isAbort(error, signal)) return;
        // Deleted from outside (`mazepa cancel`, `cancelExecution`): the run is cancelled.
        if (isQueueMissing(error)) throw cancelledBy(this.#options.executionId, name, error);
        throw error; // failing for longer than the budget: it does not come back
      }
      const receipts: string[] = [];
      for (const message of messages) {
        if (signal.aborted) return;
        this.#hand(message, onReport);
        if (message.ReceiptHandle !== undefined) receipts.push(message.ReceiptHandle);
      }
      if (signal.aborted) continue;
      // An outcome read twice is ignored by the engine: a lost delete only costs a duplicate.
      for (const receipt of receipts) this.#track(this.#deleter.add(url, receipt).catch(() => undefined));
      if (messages.length === SQS_BATCH_LIMIT) {
        gather = gather >= 100 ? gather / 2 : 0;
        join(url);
      } else if (!lasting) return;
      else if (messages.length > 0 && this.#outstanding >= GATHER_OUTSTANDING) {
        gather = Math.min(longest, gather === 0 ? 50 : messages.length < 5 ? gather * 2 : gather);
        try {
          await sleep(gather, undefined, { signal });
        } catch {
          return; // stopped
        }
      }
    }
  }

  /** Hands on the reports a message makes (one per outcome of a pack), reporting bad ones. */
  #hand(message: Message, onReport: (report: OutcomeReport) => void): void {
    if (!isOutcomePack(message.Body)) return this.#handOne(message, message.Body, onReport);
    let bodies: string[];
    try {
      bodies = unpackOutcomes(message.Body);
    } catch (error) {
      const reason = `not a valid outcome pack: ${(error as Error).message}`;
      return this.#report(message, { report: undefined, rejected: reason, taskId: undefined }, onReport);
    }
    for (const body of bodies) this.#handOne(message, body, onReport);
  }

  #handOne(message: Message, body: unknown, onReport: (report: OutcomeReport) => void): void {
    const { executionId, name: queueName, signingKey, payloads } = this.#options;
    const { run } = this;
    if (isBuildNotice(body)) return this.#notice(message, body, onReport);
    if (isPayloadRef(body)) {
      const consumed = (ref: PayloadRef): void => this.#track(this.#removePayload(ref));
      const options = { queueName, executionId, run, signingKey, payloads, consumed };
      this.#track(
        readOutcomeRef(body, options).then((read) => {
          if (!this.#abort.signal.aborted) this.#report(message, read, onReport);
        }),
      );
      return;
    }
    this.#report(message, readOutcome(body, { queueName, executionId, run, signingKey }), onReport);
  }

  /** A build notice of this run goes to `onNotice`; any other is reported and dropped. */
  #notice(message: Message, body: string, onReport: (report: OutcomeReport) => void): void {
    const { executionId, signingKey, onNotice } = this.#options;
    const read = readBuildNotice(body, { executionId, run: this.run, signingKey });
    if (read.notice !== undefined) return onNotice?.(read.notice);
    this.#report(message, { report: undefined, rejected: read.rejected, taskId: undefined }, onReport);
  }

  #report(message: Message, read: ReadOutcome, onReport: (report: OutcomeReport) => void): void {
    const { executionId, name: queueName, onEvent } = this.#options;
    const { report, rejected, taskId } = read;
    if (rejected !== undefined) {
      const messageId = message.MessageId ?? '?';
      const failedTask = report !== undefined;
      onEvent({ type: 'outcome_rejected', queueName, executionId, messageId, taskId, reason: rejected, failedTask });
    }
    if (report !== undefined) {
      if (this.#outstanding > 0) this.#outstanding--;
      onReport(report);
    }
  }

  async #removePayload(ref: PayloadRef): Promise<void> {
    const { name: queueName, payloads, onEvent } = this.#options;
    try {
      await payloads?.remove(ref.payload);
    } catch (error) {
      onEvent({ type: 'payload_not_deleted', queueName, bucket: ref.payload.bucket, key: ref.payload.key, error });
    }
  }

  #track(promise: Promise<void>): void {
    this.#deletes.add(promise);
    void promise.finally(() => this.#deletes.delete(promise));
  }
}

/** @internal Why an execution ends when its outcome queue was deleted from outside. */
export function cancelledBy(executionId: string, queueName: string, cause: unknown): MazepaCancelledError {
  return new MazepaCancelledError(
    `Execution ${executionId} was cancelled: its outcome queue '${queueName}' was deleted ` +
      '(mazepa cancel, or cancelExecution)',
    { executionId, cause },
  );
}
