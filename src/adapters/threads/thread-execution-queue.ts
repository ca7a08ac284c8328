import { Piscina } from 'piscina';
import { Observable, asyncScheduler, type Subscriber, type Subscription } from 'rxjs';
import { MazepaError } from '../../flows/errors.js';
import { serializeError } from '../../flows/serialized-error.js';
import { MAX_TIMER_MS, type Task, type TaskOutcome } from '../../flows/task.js';
import type { ExecutionQueue, OutcomeReport } from '../../streams/execution-queue.js';
import { createResourceLimiter, type ResourceLimiter } from '../../streams/engine/resource-limiter.js';
import { createResourceWaiting, type ResourceWaiting } from '../../streams/engine/resource-waiting.js';
import { telemetryOf, type ExecutionTelemetry } from '../../streams/telemetry/execution-telemetry.js';
import { encodeThreadTask } from './encode-thread-task.js';
import { createFifo } from './fifo.js';
import { threadEntry } from './thread-entry-location.js';
import { outcomeOf, poolFailure, timeoutOutcome } from './thread-outcomes.js';
import { resolveThreadOptions, type ThreadExecutionQueueOptions } from './thread-execution-queue-options.js';
import { STARTED_KEY, isStartedMessage, type ThreadTaskMessage, type ThreadTaskResult } from './thread-message.js';

interface ExecutionSlot {
  readonly subscriber: Subscriber<OutcomeReport>;
  readonly attempts: Set<Attempt>;
  /** The execution's spans, when an SDK records them. */
  readonly telemetry: ExecutionTelemetry | undefined;
}

/** A task waiting for a free thread (or for its resources). */
interface Pending {
  readonly task: Task;
  readonly message: ThreadTaskMessage;
  readonly slot: ExecutionSlot;
}

/** One attempt handed to the pool, until its outcome is in. */
interface Attempt {
  readonly key: number;
  readonly task: Task;
  readonly slot: ExecutionSlot;
  /** Aborting it drops the attempt from the pool's queue, or terminates the thread running it. */
  readonly abort: AbortController;
  startedAt: number | undefined;
  watchdog: Subscription | undefined;
  timedOut: boolean;
  /** The attempt's span (from its dispatch to its outcome), when the execution has telemetry. */
  span: ReturnType<ExecutionTelemetry['attempt']> | undefined;
}

/**
 * Runs tasks on a pool of worker threads (piscina), so CPU-bound operations use every core of
 * the machine. Tasks cross to the threads as a remote worker gets them: operation name and
 * encoded arguments; each thread imports the modules in `imports` to find the operations by name,
 * rebuilds class operations from their constructor arguments and sends back the encoded result.
 * Tasks start in push order, one per thread at a time; with `resourceLimits`, those that declare
 * `resources` also within the limits, and a task waiting for a resource takes no thread and does
 * not hold up tasks that need other ones. A task that passes its `runtimeLimitMs`
 * fails with `MazepaTimeoutError`; if it does not stop (synchronous code), its thread is
 * terminated and replaced. Tasks whose arguments the codec refuses, or whose operation is not
 * registered, are refused at push.
 *
 * @example
 * ```ts
 * import { ThreadExecutionQueue, execute } from 'mazepa';
 * import { blur } from './operations.js'; // taskableOperation(function blur(chunk: number) { ... })
 * const queue = new ThreadExecutionQueue({ imports: [new URL('./operations.js', import.meta.url)] });
 * try {
 *   await execute(blur.makeTask(0), { queue });
 * } finally {
 *   await queue.close();
 * }
 * ```
 */
export class ThreadExecutionQueue implements ExecutionQueue {
  readonly name = 'threads';
  /** How many threads run tasks at once. */
  readonly threads: number;
  readonly #pool: Piscina<ThreadTaskMessage, ThreadTaskResult>;
  readonly #graceMs: number;
  readonly #executions = new Map<string, ExecutionSlot>();
  readonly #byKey = new Map<number, Attempt>();
  /**
   * Tasks wait here, not in the pool's queue, until a thread is free: the pool does not keep
   * abortable tasks in order.
   */
  readonly #pending = createFifo<Pending>();
  readonly #limiter: ResourceLimiter | undefined;
  /** Tasks waiting for resources, grouped by the resources they need, each group in push order. */
  readonly #blocked: ResourceWaiting<Pending> | undefined;
  #inPool = 0;
  #nextKey = 0;
  #closed = false;

  constructor(options: ThreadExecutionQueueOptions) {
    const { threads, imports, execArgv, terminateGraceMs, resourceLimits } = resolveThreadOptions(options);
    const entry = threadEntry();
    this.threads = threads;
    this.#graceMs = terminateGraceMs;
    this.#limiter = resourceLimits === undefined ? undefined : createResourceLimiter(resourceLimits);
    this.#blocked =
      this.#limiter === undefined
        ? undefined
        : createResourceWaiting(this.#limiter, (pending: Pending) => pending.task.resources);
    this.#pool = new Piscina({
      filename: entry.url,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Infinity,
      workerData: { imports },
      recordTiming: false,
      ...((execArgv ?? entry.execArgv) === undefined ? {} : { execArgv: [...(execArgv ?? entry.execArgv)!] }),
    });
    this.#pool.on('message', (message: unknown) => {
      if (isStartedMessage(message)) this.#started(message[STARTED_KEY]);
    });
    // An idle thread's uncaught error: it belongs to no task, and the pool replaces the thread.
    this.#pool.on('error', () => {});
  }

  pushTasks(tasks: readonly Task[]): Promise<void> {
    const messages: ThreadTaskMessage[] = [];
    try {
      for (const task of tasks) {
        if (this.#closed) throw new MazepaError('ThreadExecutionQueue: the queue is closed', { taskId: task.id });
        if (task.executionId === undefined || !this.#executions.has(task.executionId)) {
          throw new MazepaError(
            `ThreadExecutionQueue: task ${task.id} belongs to execution ${String(task.executionId)}, ` +
              'which nobody is listening to (subscribe to outcomes(executionId) first)',
            { taskId: task.id },
          );
        }
        messages.push(encodeThreadTask(task, this.#nextKey + messages.length));
      }
    } catch (error) {
      return Promise.reject(error);
    }
    this.#nextKey += messages.length;
    for (let i = 0; i < tasks.length; i++) {
      const task = tasks[i]!;
      const slot = this.#executions.get(task.executionId!)!;
      const impossible = this.#limiter?.impossible(task.resources);
      if (impossible === undefined) this.#pending.push({ task, message: messages[i]!, slot });
      else this.#refuse(task, slot, impossible);
    }
    this.#pump();
    return Promise.resolve();
  }

  outcomes(executionId: string): Observable<OutcomeReport> {
    return new Observable<OutcomeReport>((subscriber) => {
      if (this.#executions.has(executionId)) {
        subscriber.error(new MazepaError(`ThreadExecutionQueue: execution ${executionId} is already running`));
        return;
      }
      const slot: ExecutionSlot = { subscriber, attempts: new Set(), telemetry: telemetryOf(executionId) };
      this.#executions.set(executionId, slot);
      return () => {
        this.#executions.delete(executionId);
        for (const attempt of slot.attempts) attempt.abort.abort(new MazepaError(`Execution ${executionId} ended`));
      };
    });
  }

  /** Cancels every queued and running task and stops the threads. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const [executionId, slot] of this.#executions) {
      this.#executions.delete(executionId);
      for (const attempt of slot.attempts) attempt.abort.abort(new MazepaError('ThreadExecutionQueue closed'));
      slot.subscriber.complete();
    }
    this.#pending.clear();
    this.#blocked?.clear();
    await this.#pool.destroy();
  }

  /** Hands queued tasks of live executions to the pool while a thread is free. */
  #pump(): void {
    if (this.#blocked !== undefined && this.#blocked.groups > 0) {
      this.#blocked.drain(
        () => this.#inPool < this.threads,
        (pending) => this.#isLive(pending),
        (pending) => this.#dispatch(pending),
      );
    }
    while (this.#inPool < this.threads && this.#pending.size > 0) {
      const pending = this.#pending.shift()!;
      if (this.#isLive(pending) && this.#admit(pending)) this.#dispatch(pending);
    }
  }

  /** Takes the task's resources if free and nobody needing the same waits; else parks it (false). */
  #admit(pending: Pending): boolean {
    return this.#blocked === undefined || this.#blocked.admit(pending);
  }

  #isLive({ task, slot }: Pending): boolean {
    return this.#executions.get(task.executionId!) === slot;
  }

  /** Fails a task that needs more of a resource than its limit, once the push has returned. */
  #refuse(task: Task, slot: ExecutionSlot, why: string): void {
    const { id: taskId, attempt } = task;
    const error = new MazepaError(`ThreadExecutionQueue cannot run task ${taskId}: ${why}`, { taskId });
    asyncScheduler.schedule(() => {
      if (this.#executions.get(task.executionId!) !== slot) return;
      slot.subscriber.next({ taskId, attempt, outcome: { error: serializeError(error), executionSecs: 0 } });
    });
  }

  #dispatch({ task, message, slot }: Pending): void {
    this.#inPool++;
    const attempt: Attempt = {
      key: message.key,
      task,
      slot,
      abort: new AbortController(),
      startedAt: undefined,
      watchdog: undefined,
      timedOut: false,
      span: slot.telemetry?.attempt(task, this.name),
    };
    task.status = 'running';
    slot.attempts.add(attempt);
    this.#byKey.set(attempt.key, attempt);
    this.#pool.run(message, { signal: attempt.abort.signal }).then(
      (result) => this.#settle(attempt, outcomeOf(result)),
      (error: unknown) => {
        const secs = secsSince(attempt.startedAt);
        const outcome = attempt.timedOut ? timeoutOutcome(task, secs) : poolFailure(task, error, secs);
        this.#settle(attempt, outcome);
      },
    );
  }

  /** The thread began an attempt that has a runtime limit: the limit runs from now. */
  #started(key: number): void {
    const attempt = this.#byKey.get(key);
    if (attempt === undefined) return;
    attempt.startedAt = performance.now();
    const limit = attempt.task.runtimeLimitMs;
    if (limit === undefined) return;
    attempt.watchdog = asyncScheduler.schedule(
      () => {
        attempt.timedOut = true;
        attempt.abort.abort(new MazepaError(`Task ${attempt.task.id} is stuck past its runtime limit`));
      },
      Math.min(MAX_TIMER_MS, limit + this.#graceMs),
    ); // a longer timer would fire at once
  }

  #settle(attempt: Attempt, outcome: TaskOutcome): void {
    attempt.watchdog?.unsubscribe();
    this.#byKey.delete(attempt.key);
    const { slot, task } = attempt;
    slot.attempts.delete(attempt);
    this.#inPool--;
    this.#limiter?.release(task.resources);
    if (attempt.span !== undefined) slot.telemetry!.attemptDone(attempt.span, outcome.error);
    if (this.#executions.get(task.executionId!) === slot) {
      slot.subscriber.next({ taskId: task.id, attempt: task.attempt, outcome });
    }
    this.#pump();
  }
}

function secsSince(start: number | undefined): number {
  return start === undefined ? 0 : (performance.now() - start) / 1000;
}
