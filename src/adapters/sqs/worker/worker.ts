import type { Message } from '@aws-sdk/client-sqs';
import { MazepaError } from '../../../flows/errors.js';
import { serializeError, withoutStacks } from '../../../flows/serialized-error.js';
import { outcomeMessage } from '../../remote/outcome-message.js';
import { prepareTask } from '../../remote/prepare-task.js';
import type { ReplyAddress } from '../../remote/reply-address.js';
import { runPrepared } from '../../remote/run-prepared.js';
import { lookupOperation } from '../../../flows/registry.js';
import { isPayloadRef, replyOf, sameTask, type PayloadRef } from '../payloads/payload-ref.js';
import { isOutcomeQueueUrl } from '../calls/queue-names.js';
import { createWaitingLimiter, type WaitingLimiter } from './waiting-limiter.js';
import { isAbort, isQueueMissing } from '../calls/sqs-error.js';
import type { SqsConnection } from '../orchestrator/sqs-execution-queue.js';
import { OutcomeQueues } from './outcome-queues.js';
import { VisibilityHeartbeat } from './visibility-heartbeat.js';
import { loadTaskPayload, outcomeBody } from './worker-payloads.js';
import { deleteBatcher, receiveTasks, reply, replyBatcher, returnMessage } from './worker-calls.js';
import { WorkerSlots } from './worker-slots.js';
import { longTimeout } from './long-timeout.js';
import { openMessage, packError, PackedMessages, type OpenedMessage } from './worker-packs.js';
import { isTaskPack } from '../messages/task-pack.js';
import {
  resolveWorkerOptions,
  type ResolvedWorkerOptions,
  type RunWorkerOptions,
  type WorkerStopReason,
  type WorkerSummary,
} from './worker-options.js';

/**
 * Runs tasks from an SQS task queue in this process until stopped (by `signal`, `maxRuntimeMs`
 * or `idleTimeoutMs`), then lets the running tasks finish and resolves to a summary. Keeps up to
 * `concurrency` tasks running, extends their messages' visibility while they run, sends each
 * outcome to its execution's outcome queue and only then deletes the task message; a task
 * whose outcome queue is gone (its execution has ended) is deleted without running. A message
 * that does not decode, fails its signature or names an unregistered operation is never run:
 * it is failed back to its execution where its reply address can be read (and, with a signing
 * key, verified), else left to the dead-letter queue. A reply goes only to an outcome queue of
 * the task queue: same origin and account, name `<queueName>-out-…`. Operations must be
 * registered (import the modules that define them). A message holding several tasks (a pack)
 * has each run in a slot of its own, and is deleted once all of them are done with.
 *
 * @example
 * ```ts
 * import { SqsExecutionQueue, runWorker } from 'mazepa/sqs';
 * import '../my-operations.js';
 * const stop = new AbortController();
 * process.once('SIGTERM', () => stop.abort());
 * const queue = new SqsExecutionQueue({ queueName: 'mazepa-tasks' });
 * const summary = await runWorker({ queue, concurrency: 4, signal: stop.signal });
 * ```
 */
export async function runWorker(options: RunWorkerOptions): Promise<WorkerSummary> {
  const resolved = resolveWorkerOptions(options);
  const connection = await resolved.queue.connect({ maxOutageMs: resolved.maxOutageMs, onRetry: resolved.onEvent });
  return new SqsWorker(resolved, connection).run();
}

class SqsWorker {
  readonly #o: ResolvedWorkerOptions;
  readonly #queue: SqsConnection;
  readonly #slots: WorkerSlots;
  readonly #replies;
  readonly #deletes;
  /** What is known of the outcome queues replied to: a task whose queue is gone is not run. */
  readonly #outcomeQueues: OutcomeQueues;
  readonly #counts = { succeeded: 0, failed: 0, rejected: 0 };
  readonly #heartbeat: VisibilityHeartbeat;
  readonly #finishing = new Set<Promise<void>>();
  readonly #resources: WaitingLimiter;
  /** The messages that hold several tasks, until all their tasks are done with. */
  readonly #packs: PackedMessages;
  /** How many tasks the last messages received held: receives ask for free slots / this. */
  #tasksPerMessage: number;
  #fatal: unknown;

  constructor(options: ResolvedWorkerOptions, queue: SqsConnection) {
    this.#o = options;
    this.#queue = queue;
    this.#slots = new WorkerSlots(options.concurrency, options.idleTimeoutMs, (reason) =>
      options.onEvent({ type: 'worker_stopping', reason, running: this.#slots.running.size }),
    );
    this.#replies = replyBatcher(queue);
    this.#deletes = deleteBatcher(queue);
    this.#outcomeQueues = new OutcomeQueues(queue.client);
    this.#heartbeat = new VisibilityHeartbeat(queue, (error) => options.onEvent({ type: 'worker_error', error }));
    this.#resources = createWaitingLimiter(options.resourceLimits);
    this.#tasksPerMessage = queue.options.maxTasksPerMessage;
    this.#packs = new PackedMessages({
      queue,
      consume: (receipt, refs) => this.#deleteMessage(receipt, refs),
      handBack: (receipt) => this.#handBack(receipt),
      release: (receipt) => this.#heartbeat.release(receipt),
      onError: (error) => options.onEvent({ type: 'worker_error', error }),
    });
    // A stopping worker runs no more tasks: those still waiting for a resource go back to the queue.
    this.#slots.signal.addEventListener('abort', () => this.#resources.abandon(), { once: true });
  }

  async run(): Promise<WorkerSummary> {
    const started = performance.now();
    const { signal, maxRuntimeMs, concurrency, onEvent } = this.#o;
    const onAbort = (): void => this.#slots.stop('signal');
    if (signal?.aborted === true) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const limit =
      maxRuntimeMs === undefined ? undefined : longTimeout(() => this.#slots.stop('maxRuntime'), maxRuntimeMs);
    const beating = this.#heartbeat.start();
    onEvent({ type: 'worker_started', queueName: this.#queue.name, concurrency });
    try {
      await beating; // no task is taken before its message can be kept hidden
      const receivers = Math.min(4, Math.ceil(concurrency / 10));
      await Promise.all(Array.from({ length: receivers }, () => this.#receiveLoop()));
      await this.#slots.drained();
      while (this.#finishing.size > 0) await Promise.all(this.#finishing);
      await Promise.all([this.#replies.drain(), this.#deletes.drain()]);
    } finally {
      limit?.clear();
      await this.#heartbeat.stop();
      signal?.removeEventListener('abort', onAbort);
    }
    if (this.#fatal !== undefined) throw this.#fatal;
    const stoppedBy: WorkerStopReason = this.#slots.stopReason ?? 'signal';
    const summary: WorkerSummary = { ...this.#counts, stoppedBy, durationMs: performance.now() - started };
    onEvent({ type: 'worker_stopped', summary });
    return summary;
  }

  async #receiveLoop(): Promise<void> {
    const slots = this.#slots;
    while (!slots.stopped) {
      // Slots count tasks: ask for as many messages as the free slots can hold, at the size of
      // the last packs received (a pack that does not fit waits, in part, for slots).
      const free = slots.reserve(10 * this.#tasksPerMessage);
      if (free === 0) {
        await slots.changed();
        continue;
      }
      let messages: Message[];
      try {
        messages = await receiveTasks(
          this.#queue,
          Math.min(10, Math.ceil(free / this.#tasksPerMessage)),
          slots.waitSeconds(this.#queue.options.waitTimeSeconds),
          slots.signal,
        );
      } catch (error) {
        if (isAbort(error, slots.signal)) return;
        // Retried already for the outage budget (a missing queue: not at all): the worker fails.
        this.#o.onEvent({ type: 'worker_error', error });
        this.#fatal ??= error;
        slots.stop('error');
        return;
      } finally {
        slots.release(free);
      }
      // All of them held first: a task that blocks the event loop must not delay its neighbours' hold.
      for (const { ReceiptHandle } of messages) if (ReceiptHandle !== undefined) this.#heartbeat.hold(ReceiptHandle);
      const opened = messages.map(openMessage);
      if (opened.length > 0) this.#tasksPerMessage = Math.max(...opened.map((m) => m.tasks?.length ?? 1));
      for (const message of opened) this.#handleMessage(message);
      if (messages.length === 0) slots.checkIdle();
    }
  }

  /** Handles a message: its task, or each task of a pack (a redelivered pack is split first). */
  #handleMessage({ message, tasks }: OpenedMessage): void {
    const receipt = message.ReceiptHandle;
    if (receipt === undefined) return;
    if (tasks === undefined) return this.#track(this.#handle(message, receipt));
    if (Number(message.Attributes?.ApproximateReceiveCount ?? 1) > 1) {
      return this.#track(this.#packs.split(receipt, tasks));
    }
    const keys = this.#packs.open(receipt, tasks);
    tasks.forEach((Body, i) => this.#track(this.#handle({ ...message, Body }, keys[i]!, true)));
  }

  #track(handled: Promise<void>): void {
    this.#finishing.add(handled);
    void handled.finally(() => this.#finishing.delete(handled));
  }

  /** Runs the task of `message` in a slot; `receipt` is its message's, or its key in a pack. */
  async #handle(message: Message, receipt: string, packed = false): Promise<void> {
    const entered = this.#slots.enter(receipt);
    let running = entered === true;
    // The slot frees as soon as the task has run: sending its outcome overlaps the next task.
    const done = (): void => {
      if (running) this.#slots.finished(receipt);
      running = false;
    };
    try {
      if (entered !== true) {
        running = await entered;
        if (!running) return await this.#handBack(receipt); // the worker stopped first
      }
      await this.#process(message, receipt, done);
    } catch (error) {
      this.#o.onEvent({ type: 'worker_error', error });
    } finally {
      done();
    }
    if (packed)
      await this.#packs.settle(receipt, 'kept'); // unless done or handed back already
    else this.#heartbeat.release(receipt);
  }

  async #process(message: Message, receipt: string, ran: () => void): Promise<void> {
    let body = message.Body;
    if (isTaskPack(body)) return this.#reject(message, receipt, packError(body), undefined, undefined);
    let ref: PayloadRef | undefined;
    if (isPayloadRef(body)) {
      const loaded = await loadTaskPayload(this.#queue, body);
      if ('error' in loaded) return this.#reject(message, receipt, loaded.error, loaded.reply, loaded.taskId);
      ({ body, ref } = loaded);
    }
    // A payload that fails a check below is left where it is (never deleted unchecked).
    const prepared = prepareTask(body, this.#queue.options.signingKey, ref && Number.POSITIVE_INFINITY);
    if (!prepared.ok) {
      const reply = prepared.reply ?? replyOf(ref);
      return this.#reject(message, receipt, prepared.error, reply, prepared.taskId);
    }
    const { envelope } = prepared.task;
    if (ref !== undefined && (!sameTask(ref, envelope) || ref.replyTo !== envelope.replyTo)) {
      const error = new MazepaError(`the payload its message refers to holds another task (${envelope.taskId})`, {
        taskId: ref.taskId,
      });
      return this.#reject(message, receipt, error, replyOf(ref), ref.taskId);
    }
    if (!this.#mayReplyTo(envelope.replyTo)) {
      const error = new MazepaError(
        `its reply address ${envelope.replyTo} is not an outcome queue of '${this.#queue.name}'`,
      );
      return this.#reject(message, receipt, error, undefined, envelope.taskId);
    }
    const { taskId, operationName, executionId, attempt } = envelope;
    // An execution whose outcome queue is gone has ended (cancelled, failed or done): nobody
    // waits for this task. Only the queue this message names counts, never its execution id.
    if (!(await this.#outcomeQueues.exists(envelope.replyTo))) {
      this.#o.onEvent({ type: 'task_dropped', taskId, operationName, executionId, attempt });
      return this.#consume(receipt, ref);
    }
    const use = this.#resources.limited ? lookupOperation(operationName)?.options.resources : undefined;
    if (use !== undefined) {
      const impossible = this.#resources.impossible(use);
      if (impossible !== undefined) {
        const error = new MazepaError(`this worker cannot run task ${taskId} ('${operationName}'): ${impossible}`, {
          taskId,
        });
        return this.#reject(message, receipt, error, envelope, taskId, ref);
      }
      if (!(await this.#resources.acquire(use))) return this.#handBack(receipt);
    }
    let outcome;
    try {
      this.#o.onEvent({ type: 'task_started', taskId, operationName, executionId, attempt });
      outcome = await runPrepared(prepared.task);
    } finally {
      if (use !== undefined) this.#resources.release(use);
    }
    ran();
    const { body: reply, failed } = await outcomeBody(this.#queue, envelope, outcome);
    if (!(await this.#sendReply(envelope, reply))) return;
    this.#counts[failed ? 'failed' : 'succeeded']++;
    const executionSecs = outcome.executionSecs;
    const finished = {
      type: 'task_finished',
      taskId,
      operationName,
      executionId,
      attempt,
      failed,
      executionSecs,
    } as const;
    // A task that returned a value that could not be sent back failed in the outcome message only.
    const error = failed
      ? (outcome.error ?? { name: 'MazepaError', message: 'its result could not be sent back' })
      : undefined;
    this.#o.onEvent(error === undefined ? finished : { ...finished, error });
    await this.#consume(receipt, ref);
  }

  /** A task is done with: its message is deleted (a pack's, once all its tasks are), then its payload. */
  async #consume(receipt: string, ref: PayloadRef | undefined): Promise<void> {
    if (this.#packs.has(receipt)) return this.#packs.settle(receipt, 'done', ref);
    await this.#deleteMessage(receipt, ref === undefined ? [] : [ref]);
  }

  /** Deletes a message, then the payloads its tasks referred to. */
  async #deleteMessage(receipt: string, refs: readonly PayloadRef[]): Promise<void> {
    await this.#deletes.add(this.#queue.url, receipt);
    for (const ref of refs) {
      try {
        await this.#queue.payloads?.remove(ref.payload);
      } catch (error) {
        this.#o.onEvent({ type: 'worker_error', error }); // a lifecycle rule on the prefix removes it
      }
    }
  }

  async #reject(
    message: Message,
    receipt: string,
    error: Error,
    to: ReplyAddress | undefined,
    taskId: string | undefined,
    ref?: PayloadRef,
  ): Promise<void> {
    this.#counts.rejected++;
    const reported = to !== undefined && this.#mayReplyTo(to.replyTo);
    const event = {
      type: 'message_rejected',
      messageId: message.MessageId ?? '?',
      taskId,
      reason: error.message,
    } as const;
    if (!reported) return this.#o.onEvent({ ...event, reported }); // left to the dead-letter queue
    // What is wrong with the message, without the worker's stack: its file paths are nobody's business.
    const { body } = outcomeMessage(
      to,
      { error: withoutStacks(serializeError(error)), executionSecs: 0 },
      this.#queue.options.signingKey,
    );
    const sent = await this.#sendReply(to, body);
    this.#o.onEvent({ ...event, reported: sent });
    if (sent) await this.#consume(receipt, ref);
  }

  /** A task that waited for a resource when the worker stopped: its message is visible again at once. */
  async #handBack(receipt: string): Promise<void> {
    if (this.#packs.has(receipt)) return this.#packs.settle(receipt, 'handedBack');
    this.#heartbeat.release(receipt);
    try {
      await returnMessage(this.#queue, receipt);
    } catch (error) {
      this.#o.onEvent({ type: 'worker_error', error }); // it shows again after its visibility timeout
    }
  }

  /** Sends an outcome; false when it could not be sent and the task message must stay. */
  async #sendReply(to: ReplyAddress, body: string): Promise<boolean> {
    try {
      await this.#replies.add(to.replyTo, reply(body));
      return true;
    } catch (error) {
      if (!isQueueMissing(error)) {
        this.#o.onEvent({ type: 'worker_error', error });
        return false;
      }
      this.#outcomeQueues.markGone(to.replyTo); // that run is over: nobody waits for this outcome
      return true;
    }
  }

  /** Only to an outcome queue of this task queue: same origin, same account, `<queueName>-out-…`. */
  #mayReplyTo(url: string): boolean {
    return isOutcomeQueueUrl(url, this.#queue.url, this.#queue.outcomePrefix);
  }
}
