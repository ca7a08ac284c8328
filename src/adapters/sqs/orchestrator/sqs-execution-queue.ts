/**
 * The orchestrator room: the side of a run that `execute` talks to. `SqsExecutionQueue` pushes
 * task messages to the task queue and, per execution, reads the outcomes from an outcome queue
 * of its own (`outcome-channel.ts`), re-attaching to an earlier run's (`reattach.ts`) and
 * watching for tasks whose workers died (`lost-task-watch.ts`). Its options are `sqs-options.ts`.
 */
import { randomBytes } from 'node:crypto';
import { Observable } from 'rxjs';
import { CodecError } from '../../../flows/codec/codec-error.js';
import { encodeTaskEnvelope, taskEnvelopeOf } from '../../remote/envelope.js';
import { lookupOperation } from '../../../flows/registry.js';
import { MAX_MESSAGE_BYTES, messageBytes } from '../../remote/envelope-text.js';
import { MazepaError } from '../../../flows/errors.js';
import type { Task } from '../../../flows/task.js';
import type { ExecutionQueue, OutcomeReport } from '../../../streams/execution-queue.js';
import type { PreviousRun, QueueAttachment } from '../../../streams/queue-attachment.js';
import { BuildWatch } from './build-watch.js';
import { findDeadLetter } from '../calls/dead-letter-queue.js';
import { DeadLetterCount } from './dead-letter-count.js';
import { OutcomeChannel } from './outcome-channel.js';
import { readQueueDepth, type QueueDepth } from '../calls/queue-depth.js';
import { outcomeQueueName } from '../calls/queue-names.js';
import { planExecution, type PlannedExecution } from './reattach.js';
import { createLimiter, sendAll, type Limiter } from '../calls/send-messages.js';
import { resolveSqsOptions, type ResolvedSqsOptions, type SqsExecutionQueueOptions } from './sqs-options.js';
import { SqsConnector, type SqsConnection, type WorkerRetry } from '../calls/sqs-connection.js';
import { packTaskMessages, type TaskMessage } from '../messages/task-pack.js';
import { telemetryOf, type TraceCarrier } from '../../../streams/telemetry/execution-telemetry.js';

/**
 * An `ExecutionQueue` on AWS SQS: tasks go to a task queue that worker processes (`mazepa
 * worker`, or {@link runWorker}) on any number of machines read; each execution gets its own
 * outcome queue, long-polled for the workers' replies and deleted when the execution ends.
 * The task queue and its dead-letter queue are created if missing (by whichever process comes
 * first). Transient SQS errors are retried for up to `maxOutageMs`.
 *
 * @example
 * ```ts
 * import { execute } from 'mazepa';
 * import { SqsExecutionQueue } from 'mazepa/sqs';
 * const queue = new SqsExecutionQueue({ queueName: 'mazepa-tasks', region: 'us-east-1' });
 * try {
 *   await execute(flow, { queue });
 * } finally {
 *   await queue.close();
 * }
 * ```
 */
export class SqsExecutionQueue implements ExecutionQueue {
  readonly name: string;
  readonly #options: ResolvedSqsOptions;
  readonly #connector: SqsConnector;
  #deadLetters: DeadLetterCount | undefined;
  readonly #executions = new Map<string, OutcomeChannel>();
  readonly #cleanups = new Set<Promise<void>>();
  /** Executions `attach` prepared, until their outcomes are subscribed to. */
  readonly #planned = new Map<string, PlannedExecution>();
  /** Bounds the SendMessageBatch requests in flight, over all pushes. */
  readonly #sends: Limiter;
  #closed = false;

  constructor(options: SqsExecutionQueueOptions) {
    this.#options = resolveSqsOptions(options);
    this.#connector = new SqsConnector(this.#options);
    this.name = `sqs:${this.#options.queueName}`;
    this.#sends = createLimiter(this.#options.sendConcurrency);
  }

  /**
   * @internal The client, URL and settings, once the task queue exists; its calls retry as this
   * queue's do, or with a worker's own budget and listener.
   */
  connect(worker?: WorkerRetry): Promise<SqsConnection> {
    return this.#connector.connect(worker);
  }

  async pushTasks(tasks: readonly Task[]): Promise<void> {
    if (this.#closed) throw new MazepaError(`${this.name}: the queue is closed`);
    // The engine pushes one execution's tasks at a time: one `send` span per push, when traced.
    const send = telemetryOf(tasks[0]?.executionId)?.send(this.#options.queueName, tasks.length);
    try {
      await this.#push(tasks, send?.carrier);
    } catch (error) {
      send?.end(error);
      throw error;
    }
    send?.end();
  }

  async #push(tasks: readonly Task[], trace: TraceCarrier | undefined): Promise<void> {
    const queueUrl = this.#connector.taskQueueUrl();
    const messages: TaskMessage[] = [];
    const counts = new Map<OutcomeChannel, number>();
    for (const task of tasks) {
      const channel = task.executionId === undefined ? undefined : this.#executions.get(task.executionId);
      if (channel === undefined) {
        throw new MazepaError(
          `${this.name}: task ${task.id} belongs to execution ${String(task.executionId)}, which nobody ` +
            'is listening to (subscribe to outcomes(executionId) first)',
          { taskId: task.id },
        );
      }
      messages.push(await this.#message(task, await channel.url, channel.run, trace));
      counts.set(channel, (counts.get(channel) ?? 0) + 1);
    }
    for (const [channel, count] of counts) channel.expect(count); // before the send: outcomes may come at once
    const to = {
      client: this.#connector.client,
      url: await queueUrl,
      name: this.#options.queueName,
      retry: this.#connector.retry,
    };
    await sendAll(to, packTaskMessages(messages, this.#options.maxTasksPerMessage), this.#sends);
  }

  /**
   * A rerun with a checkpoint re-attaches to the execution that wrote it when the checkpoint
   * names this task queue and that execution's outcome queue still exists: it takes the outcomes
   * that came while no orchestrator ran, and the tasks that execution pushed are awaited, not
   * pushed again, unless lost (see `resumeEmptySec`, `resumeWaitSec`). Otherwise it starts afresh.
   */
  async attach(executionId: string, previous: PreviousRun): Promise<QueueAttachment> {
    if (this.#closed) throw new MazepaError(`${this.name}: the queue is closed`);
    const taskQueueUrl = await this.#connector.taskQueueUrl();
    const calls = { client: this.#connector.client, retry: this.#connector.retry, onEvent: this.#options.onEvent };
    const { plan, attachment } = await planExecution(calls, this.#options, taskQueueUrl, executionId, previous);
    this.#planned.set(attachment.executionId, plan);
    return attachment;
  }

  outcomes(executionId: string): Observable<OutcomeReport> {
    return new Observable<OutcomeReport>((subscriber) => {
      if (this.#closed) return subscriber.error(new MazepaError(`${this.name}: the queue is closed`));
      if (this.#executions.has(executionId)) {
        return subscriber.error(new MazepaError(`${this.name}: execution ${executionId} is already running`));
      }
      const plan = this.#planned.get(executionId);
      this.#planned.delete(executionId);
      const watch = plan?.watch;
      // Tasks given back by workers of other builds: the run fails when none of its build is there.
      const builds = new BuildWatch(executionId, this.#options.buildWaitMs, (error) => subscriber.error(error));
      const channel = new OutcomeChannel({
        client: this.#connector.client,
        name:
          plan?.outcomeQueueName ??
          outcomeQueueName(this.#options.queueName, executionId, randomBytes(3).toString('hex')),
        ...(plan?.outcomeQueueUrl === undefined ? {} : { existingUrl: plan.outcomeQueueUrl }),
        ...(plan === undefined ? {} : { run: plan.run }),
        executionId,
        signingKey: this.#options.signingKey,
        payloads: this.#connector.payloads,
        waitTimeSeconds: this.#options.waitTimeSeconds,
        receivers: this.#options.outcomeReceivers,
        onEvent: this.#options.onEvent,
        retry: this.#connector.retry,
        taskQueueName: this.#options.queueName,
        onNotice: (notice) => builds.notice(notice),
      });
      this.#executions.set(executionId, channel);
      channel.start(
        (report) => {
          builds.outcome();
          watch?.seen(report.taskId);
          subscriber.next(report);
        },
        (error) => subscriber.error(error),
      );
      watch?.start();
      return () => {
        builds.stop();
        watch?.stop();
        this.#executions.delete(executionId);
        const cleanup = channel.stop();
        this.#cleanups.add(cleanup);
        void cleanup.finally(() => this.#cleanups.delete(cleanup));
      };
    });
  }

  /**
   * @internal What to add to the warning of a run that has heard nothing for a while: the
   * messages in the task queue's dead-letter queue, where they are (tasks no worker could read or
   * answer). Never rejects.
   */
  async stallHint(): Promise<string | undefined> {
    try {
      const connector = this.#connector;
      const dlq = await findDeadLetter(connector.client, await connector.taskQueueUrl(), this.#options.queueName);
      if (dlq === undefined || dlq.messages === 0) return undefined;
      return (
        `${dlq.messages} message(s) are in the dead-letter queue '${dlq.name}': tasks no worker could read or ` +
        `answer went there (see mazepa queues --queue-name ${this.#options.queueName}; --redrive sends them back)`
      );
    } catch {
      return undefined;
    }
  }

  /**
   * Resolves once the outcome queues of the executions that ended are deleted (or reported as
   * not deleted); the queue stays open. `execute` awaits it before it settles. Never rejects.
   */
  async drained(): Promise<void> {
    while (this.#cleanups.size > 0) await Promise.all(this.#cleanups);
  }

  /**
   * The task queue's depth (one GetQueueAttributes): messages waiting, held by workers, delayed;
   * and the messages in its dead-letter queue (one more, and three a minute to find that queue).
   * For the whole queue, in messages: a pack holds several tasks, and other runs may share it.
   */
  async depth(): Promise<QueueDepth> {
    const url = await this.#connector.taskQueueUrl();
    this.#deadLetters ??= new DeadLetterCount(this.#connector.client, this.#options.queueName);
    const [depth, deadLetters] = await Promise.all([
      readQueueDepth(this.#connector.client, url, this.#options.queueName),
      this.#deadLetters.count(url),
    ]);
    return deadLetters === undefined ? depth : { ...depth, deadLetters };
  }

  /**
   * Waits until the outcome queues of ended executions are deleted, and destroys the client if
   * this queue made it. Executions still running are not stopped: unsubscribe from them first.
   * Never rejects: an outcome queue that could not be deleted is reported through `onEvent`
   * (`queue_not_deleted`, with its URL; by default a process warning).
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.drained();
    if (this.#executions.size > 0) return;
    this.#connector.close();
  }

  async #message(task: Task, replyTo: string, run: string, trace: TraceCarrier | undefined): Promise<TaskMessage> {
    const refuse = (why: string, cause?: unknown): MazepaError =>
      new MazepaError(`${this.name}: task ${task.id} cannot be sent to SQS: ${why}`, { taskId: task.id, cause });
    if (task.unencodable !== undefined) throw refuse(task.unencodable);
    // A task made with `new Task({ fn })` names an operation no worker registered either.
    if (lookupOperation(task.operationName) === undefined) {
      throw refuse(
        `its operation '${task.operationName}' is not registered in this process, so no worker can know it; ` +
          'make it with taskableOperation or taskableOperationCls',
      );
    }
    let body: string;
    try {
      body = encodeTaskEnvelope(taskEnvelopeOf(task, replyTo, run, this.#options.buildId, trace), {
        signingKey: this.#options.signingKey,
      });
    } catch (error) {
      throw refuse(error instanceof CodecError ? error.message : String(error), error);
    }
    const bytes = messageBytes(body);
    const payloads = this.#connector.payloads;
    if (payloads !== undefined && bytes > payloads.thresholdBytes) {
      const { executionId, id: taskId, attempt } = task;
      const owner = { of: 'task', executionId: executionId!, taskId, attempt, run, replyTo } as const;
      const ref = await payloads.offload(body, owner, this.#options.signingKey);
      return { body: ref, bytes: messageBytes(ref), packable: false };
    }
    if (bytes > MAX_MESSAGE_BYTES) {
      throw refuse(
        `its message is ${bytes} bytes (${(bytes / 1024).toFixed(1)} KiB), over the SQS limit of ` +
          `${MAX_MESSAGE_BYTES} bytes (256 KiB); set the queue's payloadBucket (--payload-bucket) to send it ` +
          'through S3, or pass large data by reference (e.g. a storage path)',
      );
    }
    return { body, bytes, packable: true };
  }
}
