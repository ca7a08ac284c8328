import { messageBytes } from '../../remote/envelope-text.js';
import type { TaskEnvelope } from '../../remote/envelope.js';
import type { ReplyAddress } from '../../remote/reply-address.js';
import { deleteBatcher } from '../calls/message-batches.js';
import { createLimiter, sendAll } from '../calls/send-messages.js';
import type { SqsConnection } from '../calls/sqs-connection.js';
import { isQueueMissing } from '../calls/sqs-error.js';
import type { PayloadRef } from '../payloads/payload-ref.js';
import type { OutcomeQueues } from './outcome-queues.js';
import type { VisibilityHeartbeat } from './visibility-heartbeat.js';
import { reply, replyBatcher, returnMessage } from './worker-calls.js';
import type { WorkerEvent } from './worker-options.js';
import { PackedMessages } from './worker-packs.js';
import type { WorkerTelemetry } from './worker-telemetry.js';

/** @internal What {@link TaskMessages} works with. */
export interface TaskMessagesOptions {
  readonly queue: SqsConnection;
  readonly heartbeat: VisibilityHeartbeat;
  readonly outcomeQueues: OutcomeQueues;
  readonly telemetry: WorkerTelemetry | undefined;
  readonly onEvent: (event: WorkerEvent) => void;
}

/**
 * @internal What becomes of the task messages a worker holds, and the outcomes it sends for them:
 * a message is deleted once its task is done with (a pack's once all its tasks are), then the
 * payloads it referred to; a message not to run here is made visible again at once (handed
 * back) or sent again as a new one. Outcomes and deletes are gathered into batches.
 */
export class TaskMessages {
  /** The messages that hold several tasks, until all their tasks are done with. */
  readonly packs: PackedMessages;
  readonly #queue: SqsConnection;
  readonly #heartbeat: VisibilityHeartbeat;
  readonly #outcomeQueues: OutcomeQueues;
  readonly #telemetry: WorkerTelemetry | undefined;
  readonly #onEvent: (event: WorkerEvent) => void;
  readonly #replies;
  readonly #deletes;
  readonly #resends = createLimiter(2);

  constructor({ queue, heartbeat, outcomeQueues, telemetry, onEvent }: TaskMessagesOptions) {
    this.#queue = queue;
    this.#heartbeat = heartbeat;
    this.#outcomeQueues = outcomeQueues;
    this.#telemetry = telemetry;
    this.#onEvent = onEvent;
    this.#replies = replyBatcher(queue);
    this.#deletes = deleteBatcher(queue);
    this.packs = new PackedMessages({
      queue,
      consume: (receipt, refs) => this.deleteMessage(receipt, refs),
      handBack: (receipt) => this.handBack(receipt),
      release: (receipt) => heartbeat.release(receipt),
      onError: (error) => onEvent({ type: 'worker_error', error }),
    });
  }

  /** Sends the outcomes gathered for the outcome queue `url` at once. */
  flushReplies(url: string): void {
    this.#replies.flush(url);
  }

  /** Sends an outcome; false when it could not be sent and the task message must stay. */
  async sendReply(to: ReplyAddress, body: string): Promise<boolean> {
    try {
      await this.#replies.add(to.replyTo, reply(body));
      this.#outcomeQueues.markExists(to.replyTo); // heard of just now: the next task need not ask
      return true;
    } catch (error) {
      if (!isQueueMissing(error)) {
        this.#onEvent({ type: 'worker_error', error });
        return false;
      }
      // That run is over: nobody waits for this outcome, and its tasks that wait here are dropped.
      this.#outcomeQueues.markGone(to.replyTo);
      return true;
    }
  }

  /** A task is done with: its message is deleted (a pack's, once all its tasks are), then its payload. */
  async consume(receipt: string, ref: PayloadRef | undefined): Promise<void> {
    if (this.packs.has(receipt)) return this.packs.settle(receipt, 'done', ref);
    await this.deleteMessage(receipt, ref === undefined ? [] : [ref]);
  }

  /** A task whose run has ended: its message (and payload) is deleted, unrun. */
  async drop(envelope: TaskEnvelope, receipt: string, ref: PayloadRef | undefined): Promise<void> {
    const { taskId, operationName, executionId, attempt } = envelope;
    this.#onEvent({ type: 'task_dropped', taskId, operationName, executionId, attempt });
    await this.consume(receipt, ref);
  }

  /** Deletes a message, then the payloads its tasks referred to. */
  async deleteMessage(receipt: string, refs: readonly PayloadRef[]): Promise<void> {
    await this.#deletes.add(this.#queue.url, receipt);
    this.#telemetry?.deleted(1);
    for (const ref of refs) {
      try {
        await this.#queue.payloads?.remove(ref.payload);
      } catch (error) {
        this.#onEvent({ type: 'worker_error', error }); // a lifecycle rule on the prefix removes it
      }
    }
  }

  /** A task that is not to run here (now): its message is visible again at once. */
  async handBack(receipt: string): Promise<void> {
    if (this.packs.has(receipt)) return this.packs.settle(receipt, 'handedBack');
    this.#heartbeat.release(receipt);
    try {
      await returnMessage(this.#queue, receipt);
    } catch (error) {
      this.#onEvent({ type: 'worker_error', error }); // it shows again after its visibility timeout
    }
  }

  /** Sends `body` to the task queue as a new message, then deletes the one received (`receipt`). */
  async resend(receipt: string, body: string): Promise<void> {
    await sendAll(this.#queue, [{ body, bytes: messageBytes(body) }], this.#resends);
    await this.deleteMessage(receipt, []);
  }

  /** Resolves once the outcomes and deletes gathered so far are sent. */
  async drain(): Promise<void> {
    await Promise.all([this.#replies.drain(), this.#deletes.drain()]);
  }
}
