import type { Message } from '@aws-sdk/client-sqs';
import { isOtherBuild, refuseBuild } from './build-refusals.js';
import { isLastReceive, reportLost } from './lost-task.js';
import { receiveCountOf } from './receive-limit.js';
import { slotOrGone } from './run-ended.js';
import { takeIn, type Rejection } from './task-intake.js';
import { runTask } from './task-run.js';
import { failureBody } from './worker-payloads.js';
import type { OpenedMessage } from './worker-packs.js';
import type { WorkerParts } from './worker-parts.js';

/**
 * @internal Where each message a worker receives goes: each of its tasks (a pack's one by one; a
 * redelivered pack is split first) takes a slot, is taken in ({@link takeIn}), and then runs
 * ({@link runTask}), is dropped, given back to a worker of its build, reported lost, or rejected.
 */
export class TaskDispatch {
  readonly #parts: WorkerParts;
  /** The task queue's redrive limit: a message on its last receive is reported lost, not run. */
  readonly #maxReceiveCount: number | undefined;
  /** The handling of each message or task under way. */
  readonly #handling = new Set<Promise<void>>();

  constructor(parts: WorkerParts, maxReceiveCount: number | undefined) {
    this.#parts = parts;
    this.#maxReceiveCount = maxReceiveCount;
  }

  /** Handles a message: its task, or each task of a pack (a redelivered pack is split first). */
  handle({ message, tasks }: OpenedMessage): void {
    const receipt = message.ReceiptHandle;
    if (receipt === undefined) return;
    const { packs } = this.#parts.messages;
    if (tasks === undefined) return this.#track(this.#handleTask(message, receipt));
    if (receiveCountOf(message.Attributes) > 1) {
      return this.#track(packs.split(receipt, tasks));
    }
    const keys = packs.open(receipt, tasks);
    tasks.forEach((Body, i) => this.#track(this.#handleTask({ ...message, Body }, keys[i]!, true)));
  }

  /** Resolves once every message handed to {@link handle} so far is handled. */
  async handled(): Promise<void> {
    while (this.#handling.size > 0) await Promise.all(this.#handling);
  }

  #track(handled: Promise<void>): void {
    this.#handling.add(handled);
    void handled.finally(() => this.#handling.delete(handled));
  }

  /** Runs the task of `message` in a slot; `receipt` is its message's, or its key in a pack. */
  async #handleTask(message: Message, receipt: string, packed = false): Promise<void> {
    const { slots, messages } = this.#parts;
    const entered = slots.enter(receipt);
    let running = entered === true;
    // The slot frees as soon as the task has run: sending its outcome overlaps the next task.
    const done = (): void => {
      if (running) slots.finished(receipt);
      running = false;
    };
    try {
      if (entered !== true) {
        const slot = await slotOrGone(slots, this.#parts.outcomeQueues, entered, receipt, message.Body);
        running = slot === true;
        if (slot === false) return await messages.handBack(receipt); // the worker stopped first
        // 'gone': its run ended while it waited; it is dropped without a slot (never run).
      }
      await this.#process(message, receipt, done, running);
    } catch (error) {
      this.#parts.onEvent({ type: 'worker_error', error });
    } finally {
      done();
    }
    if (packed)
      await messages.packs.settle(receipt, 'kept'); // unless done or handed back already
    else this.#parts.heartbeat.release(receipt);
  }

  /**
   * Takes a message in, then runs its task, drops it or rejects the message. Without a slot
   * (`mayRun` false: its run ended while it waited for one), a task to run goes back to the queue.
   */
  async #process(message: Message, receipt: string, ran: () => void, mayRun = true): Promise<void> {
    const parts = this.#parts;
    const intake = await takeIn(message.Body, parts);
    if (intake.kind === 'reject') return this.#reject(message, receipt, intake);
    if (intake.kind === 'run') {
      if (!mayRun) return parts.messages.handBack(receipt);
      const { envelope } = intake.task;
      if (isOtherBuild(envelope.build, parts.buildId)) {
        return refuseBuild(parts, message, receipt, envelope, this.#maxReceiveCount);
      }
      // Its workers died on it each time: it fails by name rather than going to the dead-letter queue.
      const received = receiveCountOf(message.Attributes);
      if (isLastReceive(received, this.#maxReceiveCount)) {
        return reportLost(parts, receipt, envelope, received, intake.ref, message.MessageId);
      }
      return runTask(parts, intake, receipt, ran, message.MessageId);
    }
    const { kind: _, ref, ...dropped } = intake;
    parts.onEvent({ type: 'task_dropped', ...dropped });
    await parts.messages.consume(receipt, ref);
  }

  /**
   * A message that must not run: its failed outcome is sent where the rejection says (then the
   * message is deleted), else the message is left to the dead-letter queue.
   */
  async #reject(message: Message, receipt: string, { error, to, taskId, ref }: Rejection): Promise<void> {
    const { counts, messages, onEvent } = this.#parts;
    counts.rejected++;
    const messageId = message.MessageId ?? '?';
    const event = { type: 'message_rejected', messageId, taskId, reason: error.message } as const;
    if (to === undefined) return onEvent({ ...event, reported: false }); // left to the dead-letter queue
    const sent = await messages.sendReply(to, failureBody(this.#parts.queue, to, error));
    onEvent({ ...event, reported: sent });
    if (sent) await messages.consume(receipt, ref);
  }
}
