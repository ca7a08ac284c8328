import type { Message } from '@aws-sdk/client-sqs';
import { serializeError } from '../../../flows/serialized-error.js';
import type { TaskEnvelope } from '../../remote/envelope.js';
import type { ReplyAddress } from '../../remote/reply-address.js';
import { runPrepared } from '../../remote/run-prepared.js';
import type { PayloadRef } from '../payloads/payload-ref.js';
import { SQS_BATCH_LIMIT } from '../calls/batch-limit.js';
import { deleteBatcher } from '../calls/message-batches.js';
import { isAbort, isQueueMissing } from '../calls/sqs-error.js';
import type { SqsConnection } from '../calls/sqs-connection.js';
import { createWaitingLimiter, type WaitingLimiter } from './waiting-limiter.js';
import { OutcomeQueues } from './outcome-queues.js';
import { ReplyGate } from './reply-gate.js';
import { slotOrGone, takeResources } from './run-ended.js';
import { takeIn, type IntakeContext, type Rejection, type TaskToRun } from './task-intake.js';
import { VisibilityHeartbeat } from './visibility-heartbeat.js';
import { failureBody, outcomeBody } from './worker-payloads.js';
import { finishedEvent } from './task-finished.js';
import { giveBack, receiveTasks, reply, replyBatcher, returnMessage } from './worker-calls.js';
import { WorkerSlots } from './worker-slots.js';
import { longTimeout } from './long-timeout.js';
import { openMessage, PackedMessages, type OpenedMessage, type PackCheck } from './worker-packs.js';
import { isOutcomeQueueUrl } from '../calls/queue-names.js';
import { BuildRefusals, isOtherBuild } from './build-refusals.js';
import { messageBytes } from '../../remote/envelope-text.js';
import { createLimiter, sendAll } from '../calls/send-messages.js';
import { isLastReceive, workerLost } from './lost-task.js';
import { maxReceiveCountOf, receiveCountOf } from './receive-limit.js';
import type { ResolvedWorkerOptions, WorkerStopReason, WorkerSummary } from './worker-options.js';
import { createWorkerTelemetry, type WorkerTelemetry } from './worker-telemetry.js';
import { readsWorkerFacts } from '../../remote/worker-facts.js';
import type { TaskOutcome } from '../../../flows/task.js';
import { FactsReporter } from './facts-reporter.js';

/**
 * One worker's loop and state: receives task messages, takes each in ({@link takeIn}), runs
 * it in a slot, sends its outcome and deletes its message. Made and run by `runWorker`.
 *
 * @internal
 */
export class SqsWorker {
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
  /** What taking a message in needs. */
  readonly #intake: IntakeContext;
  /** What the entries of a pack are checked against before any is run or sent back. */
  readonly #packCheck: PackCheck;
  /** The messages that hold several tasks, until all their tasks are done with. */
  readonly #packs: PackedMessages;
  /** How many tasks the last messages received held: receives ask for free slots / this. */
  #tasksPerMessage: number;
  /** The task queue's redrive limit: a message on its last receive is reported lost, not run. */
  #maxReceiveCount: number | undefined;
  /** The build of this worker's code: tasks of another build are given back. */
  readonly #buildId: string | undefined;
  readonly #builds = new BuildRefusals();
  readonly #resends = createLimiter(2);
  /** At most one task per slot ahead of the outcomes heard to arrive, per run. */
  readonly #gate: ReplyGate;
  /** Spans and metrics, when `@opentelemetry/api` is installed. */
  readonly #telemetry: WorkerTelemetry | undefined;
  readonly #reporter = new FactsReporter();
  /** Tasks run to their end (their outcome made), for the facts. */
  #ran = 0;
  #fatal: unknown;

  constructor(options: ResolvedWorkerOptions, queue: SqsConnection) {
    this.#o = options;
    this.#queue = queue;
    this.#buildId = options.buildId ?? queue.options.buildId;
    this.#telemetry = createWorkerTelemetry(queue.name, options.spanParent);
    this.#slots = new WorkerSlots(options.concurrency, options.idleTimeoutMs, (reason) =>
      options.onEvent({ type: 'worker_stopping', reason, running: this.#slots.running.size }),
    );
    this.#replies = replyBatcher(queue);
    this.#deletes = deleteBatcher(queue);
    this.#outcomeQueues = new OutcomeQueues(queue.client);
    this.#gate = new ReplyGate({
      concurrency: options.concurrency,
      flush: (url) => this.#replies.flush(url),
      isGone: (url) => this.#outcomeQueues.isGone(url),
    });
    this.#heartbeat = new VisibilityHeartbeat(queue, (error) => options.onEvent({ type: 'worker_error', error }));
    this.#resources = createWaitingLimiter(options.resourceLimits);
    this.#intake = { queue, outcomeQueues: this.#outcomeQueues, resources: this.#resources };
    this.#packCheck = {
      signingKey: queue.options.signingKey,
      mayReplyTo: (url) => isOutcomeQueueUrl(url, queue.url, queue.outcomePrefix),
    };
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
      this.#maxReceiveCount = await maxReceiveCountOf(this.#queue);
      // One receiver per full receive's worth of slots, up to four.
      const receivers = Math.min(4, Math.ceil(concurrency / SQS_BATCH_LIMIT));
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
      const free = slots.reserve(SQS_BATCH_LIMIT * this.#tasksPerMessage);
      if (free === 0) {
        await slots.changed();
        continue;
      }
      const pause = this.#builds.pauseMs();
      if (pause > 0) await pauseFor(pause, slots.signal); // not to take the same messages again at once
      let messages: Message[];
      try {
        messages = await receiveTasks(
          this.#queue,
          Math.min(SQS_BATCH_LIMIT, Math.ceil(free / this.#tasksPerMessage)),
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
      this.#telemetry?.received(messages.length);
      // The last poll of a stopping worker ran to its end: what it brought goes back at once.
      if (slots.stopped) return this.#giveBack(messages);
      // All of them held first: a task that blocks the event loop must not delay its neighbours' hold.
      for (const { ReceiptHandle } of messages) if (ReceiptHandle !== undefined) this.#heartbeat.hold(ReceiptHandle);
      const opened = messages.map((message) => openMessage(message, this.#packCheck));
      if (opened.length > 0) this.#tasksPerMessage = Math.max(...opened.map((m) => m.tasks?.length ?? 1));
      for (const message of opened) this.#handleMessage(message);
      if (messages.length === 0) slots.checkIdle();
    }
  }

  /** Makes messages received while stopping visible again at once, for another worker. */
  async #giveBack(messages: readonly Message[]): Promise<void> {
    const count = await giveBack(this.#queue, messages, (error) => this.#o.onEvent({ type: 'worker_error', error }));
    if (count > 0) this.#o.onEvent({ type: 'messages_returned', count, reason: 'stopping' });
  }

  /** Handles a message: its task, or each task of a pack (a redelivered pack is split first). */
  #handleMessage({ message, tasks }: OpenedMessage): void {
    const receipt = message.ReceiptHandle;
    if (receipt === undefined) return;
    if (tasks === undefined) return this.#track(this.#handle(message, receipt));
    if (receiveCountOf(message.Attributes) > 1) {
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
        const slot = await slotOrGone(this.#slots, this.#outcomeQueues, entered, receipt, message.Body);
        running = slot === true;
        if (slot === false) return await this.#handBack(receipt); // the worker stopped first
        // 'gone': its run ended while it waited; it is dropped without a slot (never run).
      }
      await this.#process(message, receipt, done, running);
    } catch (error) {
      this.#o.onEvent({ type: 'worker_error', error });
    } finally {
      done();
    }
    if (packed)
      await this.#packs.settle(receipt, 'kept'); // unless done or handed back already
    else this.#heartbeat.release(receipt);
  }

  /**
   * Takes a message in, then runs its task, drops it or rejects the message. Without a slot
   * (`mayRun` false: its run ended while it waited for one), a task to run goes back to the queue.
   */
  async #process(message: Message, receipt: string, ran: () => void, mayRun = true): Promise<void> {
    const intake = await takeIn(message.Body, this.#intake);
    if (intake.kind === 'reject') return this.#reject(message, receipt, intake);
    if (intake.kind === 'run') {
      if (!mayRun) return this.#handBack(receipt);
      if (isOtherBuild(intake.task.envelope.build, this.#buildId)) {
        return this.#refuseBuild(message, receipt, intake.task.envelope);
      }
      // Its workers died on it each time: it fails by name rather than going to the dead-letter queue.
      const received = receiveCountOf(message.Attributes);
      if (isLastReceive(received, this.#maxReceiveCount)) {
        return this.#reportLost(receipt, intake.task.envelope, received, intake.ref, message.MessageId);
      }
      return this.#run(intake, receipt, ran, message.MessageId);
    }
    const { kind: _, ref, ...dropped } = intake;
    this.#o.onEvent({ type: 'task_dropped', ...dropped });
    await this.#consume(receipt, ref);
  }

  /**
   * Runs a task once its resources are taken, sends its outcome, then deletes its message. Its
   * run may end while it waits (a reply of the run refused, its outcome queue deleted): then it
   * is dropped. Right before it starts, its outcome queue is checked (when nothing was heard of
   * it for a second: from an outcome on its way there, sent at once, else by asking SQS); and
   * once the run's outcomes stop arriving, the worker runs at most one task per slot ahead of
   * them ({@link ReplyGate}).
   */
  async #run(
    { task, ref, resources }: TaskToRun,
    receipt: string,
    ran: () => void,
    messageId: string | undefined,
  ): Promise<void> {
    const { envelope } = task;
    const { replyTo } = envelope;
    if (!(await this.#gate.enter(replyTo))) return this.#drop(envelope, receipt, ref);
    let open = true;
    let sending = false;
    const answered = (arrived = false): void => {
      if (open) this.#gate.leave(replyTo, arrived, sending);
      open = false;
    };
    try {
      if (resources !== undefined) {
        const taken = await takeResources(this.#resources, this.#outcomeQueues, resources, replyTo);
        if (taken === 'gone') return await this.#drop(envelope, receipt, ref);
        if (!taken) return await this.#handBack(receipt); // the worker stopped first
      }
      // Not heard of for a while: an outcome on its way there tells (sent at once), else SQS is asked.
      if (!this.#outcomeQueues.isFresh(replyTo)) await this.#gate.nextAnswer(replyTo);
      if (!(await this.#outcomeQueues.exists(replyTo))) {
        if (resources !== undefined) this.#resources.release(resources);
        return await this.#drop(envelope, receipt, ref);
      }
      const { taskId, operationName, executionId, attempt } = envelope;
      let outcome;
      const span = this.#telemetry?.process(envelope, messageId);
      try {
        this.#o.onEvent({ type: 'task_started', taskId, operationName, executionId, attempt });
        outcome = await (span === undefined ? runPrepared(task) : span.within(() => runPrepared(task)));
      } finally {
        if (resources !== undefined) this.#resources.release(resources);
      }
      span?.end(outcome?.error, outcome?.executionSecs);
      const { body: reply, failed } = await outcomeBody(this.#queue, envelope, this.#withFacts(envelope, outcome));
      // Said before the slot frees: at concurrency 1 each task's line comes before the next one's
      // start, although sending the outcome overlaps the next task.
      this.#o.onEvent(finishedEvent(envelope, outcome, failed));
      ran();
      this.#gate.sending(replyTo);
      sending = true;
      const sent = await this.#sendReply(envelope, reply);
      answered(sent && !this.#outcomeQueues.isGone(replyTo));
      if (!sent) return;
      this.#counts[failed ? 'failed' : 'succeeded']++;
      await this.#consume(receipt, ref);
    } finally {
      answered();
    }
  }

  /** A task whose run has ended: its message (and payload) is deleted, unrun. */
  async #drop(envelope: TaskEnvelope, receipt: string, ref: PayloadRef | undefined): Promise<void> {
    const { taskId, operationName, executionId, attempt } = envelope;
    this.#o.onEvent({ type: 'task_dropped', taskId, operationName, executionId, attempt });
    await this.#consume(receipt, ref);
  }

  /** The outcome with this worker's facts, when the task's orchestrator reads them (this task counted). */
  #withFacts(envelope: TaskEnvelope, outcome: TaskOutcome): TaskOutcome {
    const done = ++this.#ran;
    if (!readsWorkerFacts(envelope.run)) return outcome;
    return { ...outcome, worker: this.#reporter.facts(done, this.#slots.running.size) };
  }

  /** A task is done with: its message is deleted (a pack's, once all its tasks are), then its payload. */
  async #consume(receipt: string, ref: PayloadRef | undefined): Promise<void> {
    if (this.#packs.has(receipt)) return this.#packs.settle(receipt, 'done', ref);
    await this.#deleteMessage(receipt, ref === undefined ? [] : [ref]);
  }

  /** Deletes a message, then the payloads its tasks referred to. */
  async #deleteMessage(receipt: string, refs: readonly PayloadRef[]): Promise<void> {
    await this.#deletes.add(this.#queue.url, receipt);
    this.#telemetry?.deleted(1);
    for (const ref of refs) {
      try {
        await this.#queue.payloads?.remove(ref.payload);
      } catch (error) {
        this.#o.onEvent({ type: 'worker_error', error }); // a lifecycle rule on the prefix removes it
      }
    }
  }

  /**
   * A message that must not run: its failed outcome is sent where the rejection says (then the
   * message is deleted), else the message is left to the dead-letter queue.
   */
  async #reject(message: Message, receipt: string, { error, to, taskId, ref }: Rejection): Promise<void> {
    this.#counts.rejected++;
    const messageId = message.MessageId ?? '?';
    const event = { type: 'message_rejected', messageId, taskId, reason: error.message } as const;
    if (to === undefined) return this.#o.onEvent({ ...event, reported: false }); // left to the dead-letter queue
    const sent = await this.#sendReply(to, failureBody(this.#queue, to, error));
    this.#o.onEvent({ ...event, reported: sent });
    if (sent) await this.#consume(receipt, ref);
  }

  /**
   * A task of another build: its message is made visible again at once for a worker of that
   * build (the log says so once per build; its run is told once, so that it fails early when
   * no worker of its build is there).
   */
  async #refuseBuild(message: Message, receipt: string, envelope: TaskEnvelope): Promise<void> {
    const { taskId, executionId, build: taskBuild } = envelope;
    const workerBuild = this.#buildId;
    if (taskBuild !== undefined && this.#builds.firstOf(taskBuild)) {
      this.#o.onEvent({ type: 'build_refused', taskBuild, workerBuild, taskId, executionId });
    }
    const notice = this.#builds.noticeFor(envelope, workerBuild, this.#queue.options.signingKey);
    if (notice !== undefined) await this.#sendReply(envelope, notice);
    // Near its last receive, it goes back as a new message: given back, not lost, it must not
    // drift into the dead-letter queue.
    const body = message.Body;
    const max = this.#maxReceiveCount;
    if (
      body === undefined ||
      this.#packs.has(receipt) ||
      max === undefined ||
      receiveCountOf(message.Attributes) < max - 1
    ) {
      await this.#handBack(receipt);
    } else {
      try {
        await sendAll(this.#queue, [{ body, bytes: messageBytes(body) }], this.#resends);
        await this.#deleteMessage(receipt, []);
      } catch (error) {
        this.#o.onEvent({ type: 'worker_error', error });
      } finally {
        this.#heartbeat.release(receipt);
      }
    }
    this.#o.onEvent({ type: 'messages_returned', count: 1, reason: 'build' });
  }

  /** Fails a task whose message came back `receiveCount` times without an outcome, with a `WorkerLostError`. */
  async #reportLost(
    receipt: string,
    envelope: TaskEnvelope,
    receiveCount: number,
    ref: PayloadRef | undefined,
    messageId: string | undefined,
  ): Promise<void> {
    const lost = workerLost(envelope, receiveCount);
    // Not run: its span says why, with the error its run receives.
    this.#telemetry?.process(envelope, messageId).end(serializeError(lost), undefined);
    const body = failureBody(this.#queue, envelope, lost);
    if (!(await this.#sendReply(envelope, body))) return;
    this.#counts.failed++;
    const { taskId, operationName, executionId, attempt } = envelope;
    this.#o.onEvent({ type: 'task_lost', taskId, operationName, executionId, attempt, receiveCount });
    await this.#consume(receipt, ref);
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
      this.#outcomeQueues.markExists(to.replyTo); // heard of just now: the next task need not ask
      return true;
    } catch (error) {
      if (!isQueueMissing(error)) {
        this.#o.onEvent({ type: 'worker_error', error });
        return false;
      }
      // That run is over: nobody waits for this outcome, and its tasks that wait here are dropped.
      this.#outcomeQueues.markGone(to.replyTo);
      return true;
    }
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
