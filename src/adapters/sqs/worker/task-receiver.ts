import type { Message } from '@aws-sdk/client-sqs';
import { SQS_BATCH_LIMIT } from '../calls/batch-limit.js';
import { isOutcomeQueueUrl } from '../calls/queue-names.js';
import { isAbort } from '../calls/sqs-error.js';
import { giveBack, receiveTasks } from './worker-calls.js';
import { openMessage, type OpenedMessage, type PackCheck } from './worker-packs.js';
import type { WorkerParts } from './worker-parts.js';

/**
 * @internal A worker's receive loops: each asks for as many task messages as its free slots can
 * hold, holds them hidden, opens them and hands each to `handle`, until the worker stops. A
 * receive that fails past the outage budget stops the worker with that error ({@link fatal}).
 */
export class TaskReceiver {
  readonly #parts: WorkerParts;
  readonly #handle: (message: OpenedMessage) => void;
  /** What the entries of a pack are checked against before any is run or sent back. */
  readonly #packCheck: PackCheck;
  /** How many tasks the last messages received held: receives ask for free slots / this. */
  #tasksPerMessage: number;
  #fatal: unknown;

  constructor(parts: WorkerParts, handle: (message: OpenedMessage) => void) {
    const { queue } = parts;
    this.#parts = parts;
    this.#handle = handle;
    this.#packCheck = {
      signingKey: queue.options.signingKey,
      mayReplyTo: (url) => isOutcomeQueueUrl(url, queue.url, queue.outcomePrefix),
    };
    this.#tasksPerMessage = queue.options.maxTasksPerMessage;
  }

  /** The error that stopped the worker, if a receive failed for good. */
  get fatal(): unknown {
    return this.#fatal;
  }

  /** Runs `count` receive loops side by side; resolves once all have ended (the worker stopped). */
  async run(count: number): Promise<void> {
    await Promise.all(Array.from({ length: count }, () => this.#loop()));
  }

  async #loop(): Promise<void> {
    const { slots, queue, builds, heartbeat, telemetry } = this.#parts;
    while (!slots.stopped) {
      // Slots count tasks: ask for as many messages as the free slots can hold, at the size of
      // the last packs received (a pack that does not fit waits, in part, for slots).
      const free = slots.reserve(SQS_BATCH_LIMIT * this.#tasksPerMessage);
      if (free === 0) {
        await slots.changed();
        continue;
      }
      const pause = builds.pauseMs();
      if (pause > 0) await pauseFor(pause, slots.signal); // not to take the same messages again at once
      let messages: Message[];
      try {
        messages = await receiveTasks(
          queue,
          Math.min(SQS_BATCH_LIMIT, Math.ceil(free / this.#tasksPerMessage)),
          slots.waitSeconds(queue.options.waitTimeSeconds),
          slots.signal,
        );
      } catch (error) {
        if (isAbort(error, slots.signal)) return;
        // Retried already for the outage budget (a missing queue: not at all): the worker fails.
        this.#parts.onEvent({ type: 'worker_error', error });
        this.#fatal ??= error;
        slots.stop('error');
        return;
      } finally {
        slots.release(free);
      }
      telemetry?.received(messages.length);
      // The last poll of a stopping worker ran to its end: what it brought goes back at once.
      if (slots.stopped) return this.#giveBack(messages);
      // All of them held first: a task that blocks the event loop must not delay its neighbours' hold.
      for (const { ReceiptHandle } of messages) if (ReceiptHandle !== undefined) heartbeat.hold(ReceiptHandle);
      const opened = messages.map((message) => openMessage(message, this.#packCheck));
      if (opened.length > 0) this.#tasksPerMessage = Math.max(...opened.map((m) => m.tasks?.length ?? 1));
      for (const message of opened) this.#handle(message);
      if (messages.length === 0) slots.checkIdle();
    }
  }

  /** Makes messages received while stopping visible again at once, for another worker. */
  async #giveBack(messages: readonly Message[]): Promise<void> {
    const { queue, onEvent } = this.#parts;
    const count = await giveBack(queue, messages, (error) => onEvent({ type: 'worker_error', error }));
    if (count > 0) onEvent({ type: 'messages_returned', count, reason: 'stopping' });
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pauseFor(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
