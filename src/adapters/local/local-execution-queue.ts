import { setMaxListeners } from 'node:events';
import { Observable, asyncScheduler, type SchedulerLike, type Subscriber } from 'rxjs';
import { MazepaError } from '../../flows/errors.js';
import { checkOptionKeys, type KnownOptions } from '../../flows/option-keys.js';
import { checkResources, type ResourceUse } from '../../flows/resources.js';
import { serializeError } from '../../flows/serialized-error.js';
import type { Task } from '../../flows/task.js';
import type { ExecutionQueue, OutcomeReport } from '../../streams/execution-queue.js';
import { createResourceLimiter, type ResourceLimiter } from '../../streams/engine/resource-limiter.js';
import { createResourceWaiting, type ResourceWaiting } from '../../streams/engine/resource-waiting.js';
import { telemetryOf, type ExecutionTelemetry } from '../../streams/telemetry/execution-telemetry.js';
import { PendingAttempt, runAttempt, startAttempt } from '../run-task.js';
import { createPortabilityCheck, type PortabilityCheck } from './portability-check.js';

/** Options of {@link LocalExecutionQueue}. */
export interface LocalExecutionQueueOptions {
  /** How many tasks may run at once; only async functions overlap. @default 1 */
  readonly concurrency?: number;
  /**
   * The scheduler for runtime limits, task timings and the run loop's turns. @default the run
   * loop turns on `setImmediate`, timers on `asyncScheduler`
   */
  readonly scheduler?: SchedulerLike;
  /** Milliseconds one turn of the run loop may take before it lets I/O and timers in. @default 20 */
  readonly sliceMs?: number;
  /**
   * Units of each named resource that running tasks may use at once (e.g. `{ gpu: 2 }`); tasks
   * declare theirs with the `resources` option of their operation. A task that waits for a
   * resource does not hold up tasks that need other ones. @default no limits
   */
  readonly resourceLimits?: ResourceUse;
  /**
   * Refuse what could not run on threads or SQS workers, as they would: a task with an argument
   * the codec refuses (its id is random, so a checkpoint never skips it), a task not made by a
   * registered operation (`new Task({ fn })`), a result that could not be sent back. Not strict,
   * such tasks run and each operation gets one process warning (code `MAZEPA_LOCAL_ONLY`) per
   * kind of problem; only the first result of each operation is checked. @default false
   */
  readonly strict?: boolean;
}

const KNOWN: KnownOptions<LocalExecutionQueueOptions> = {
  concurrency: true,
  scheduler: true,
  sliceMs: true,
  resourceLimits: true,
  strict: true,
};

interface ExecutionSlot {
  readonly subscriber: Subscriber<OutcomeReport>;
  /** Aborted when the execution ends: its running attempts are abandoned. */
  readonly cancel: AbortController;
  /** The execution's spans, when an SDK records them. */
  readonly telemetry: ExecutionTelemetry | undefined;
}

/**
 * Runs tasks in this process, in the order they are pushed: the default queue of `execute`.
 * Synchronous functions run back to back; async ones overlap up to `concurrency`, and those
 * that declare `resources` also within `resourceLimits`.
 *
 * @example
 * ```ts
 * import { LocalExecutionQueue, execute, taskableOperation } from 'mazepa';
 * const infer = taskableOperation(async function infer(chunk: number) {}, { resources: { gpu: 1 } });
 * // up to 8 tasks at once, of which at most 2 use the GPU
 * await execute(flow, { queue: new LocalExecutionQueue({ concurrency: 8, resourceLimits: { gpu: 2 } }) });
 * ```
 */
export class LocalExecutionQueue implements ExecutionQueue {
  readonly name = 'local';
  readonly #concurrency: number;
  readonly #scheduler: SchedulerLike;
  readonly #customScheduler: boolean;
  readonly #sliceMs: number;
  readonly #executions = new Map<string, ExecutionSlot>();
  readonly #limiter: ResourceLimiter | undefined;
  /** Tasks waiting for resources (undefined without limits). */
  readonly #blocked: ResourceWaiting<Task> | undefined;
  readonly #portability: PortabilityCheck;
  #pending: (Task | undefined)[] = [];
  #head = 0;
  #running = 0;
  #scheduled = false;

  constructor(options: LocalExecutionQueueOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`LocalExecutionQueue: options must be an object, received ${String(options)}`);
    }
    checkOptionKeys('LocalExecutionQueue', options, KNOWN);
    const concurrency = options.concurrency ?? 1;
    if (!(Number.isInteger(concurrency) && concurrency >= 1) && concurrency !== Infinity) {
      throw new TypeError(
        `LocalExecutionQueue: option 'concurrency' must be a whole number >= 1, received ${String(concurrency)}`,
      );
    }
    const sliceMs = options.sliceMs ?? 20;
    if (typeof sliceMs !== 'number' || !(sliceMs > 0)) {
      throw new TypeError(`LocalExecutionQueue: option 'sliceMs' must be a number > 0, received ${String(sliceMs)}`);
    }
    const limits = options.resourceLimits;
    this.#limiter =
      limits === undefined
        ? undefined
        : createResourceLimiter(checkResources('LocalExecutionQueue', 'resourceLimits', limits));
    this.#blocked =
      this.#limiter === undefined ? undefined : createResourceWaiting(this.#limiter, (task: Task) => task.resources);
    const strict = options.strict ?? false;
    if (typeof strict !== 'boolean') {
      throw new TypeError(`LocalExecutionQueue: option 'strict' must be a boolean, received ${String(strict)}`);
    }
    this.#portability = createPortabilityCheck('LocalExecutionQueue', strict);
    this.#concurrency = concurrency;
    this.#sliceMs = sliceMs;
    this.#scheduler = options.scheduler ?? asyncScheduler;
    this.#customScheduler = options.scheduler !== undefined;
  }

  pushTasks(tasks: readonly Task[]): Promise<void> {
    for (const task of tasks) {
      if (task.executionId === undefined || !this.#executions.has(task.executionId)) {
        return Promise.reject(
          new MazepaError(
            `LocalExecutionQueue: task ${task.id} belongs to execution ${String(task.executionId)}, ` +
              'which nobody is listening to (subscribe to outcomes(executionId) first)',
            { taskId: task.id },
          ),
        );
      }
      const refused = this.#portability.checkTask(task);
      if (refused !== undefined) return Promise.reject(refused);
    }
    for (const task of tasks) this.#pending.push(task);
    this.#kick();
    return Promise.resolve();
  }

  outcomes(executionId: string): Observable<OutcomeReport> {
    return new Observable<OutcomeReport>((subscriber) => {
      if (this.#executions.has(executionId)) {
        subscriber.error(new MazepaError(`LocalExecutionQueue: execution ${executionId} is already running`));
        return;
      }
      const slot: ExecutionSlot = { subscriber, cancel: new AbortController(), telemetry: telemetryOf(executionId) };
      // Each running async task listens to this signal: more than 10 at once is no leak.
      setMaxListeners(0, slot.cancel.signal);
      this.#executions.set(executionId, slot);
      return () => {
        this.#executions.delete(executionId);
        slot.cancel.abort(new MazepaError(`Execution ${executionId} ended`));
      };
    });
  }

  /** Cancels every running task and forgets the queued ones. */
  close(): Promise<void> {
    for (const slot of this.#executions.values()) {
      slot.cancel.abort(new MazepaError('LocalExecutionQueue closed'));
      slot.subscriber.complete();
    }
    this.#executions.clear();
    this.#pending = [];
    this.#head = 0;
    this.#blocked?.clear();
    return Promise.resolve();
  }

  #kick(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    if (this.#customScheduler) this.#scheduler.schedule(() => this.#drain());
    else setImmediate(() => this.#drain());
  }

  #drain(): void {
    this.#scheduled = false;
    const deadline = performance.now() + this.#sliceMs;
    let count = 0;
    if (this.#blocked !== undefined && this.#blocked.groups > 0) {
      this.#blocked.drain(
        () => this.#running < this.#concurrency,
        (task) => this.#executions.has(task.executionId!),
        (task) => this.#run(task, this.#executions.get(task.executionId!)!),
      );
    }
    while (this.#head < this.#pending.length && this.#running < this.#concurrency) {
      const task = this.#pending[this.#head]!;
      this.#pending[this.#head++] = undefined;
      const slot = this.#executions.get(task.executionId!);
      if (slot !== undefined) this.#start(task, slot);
      if ((++count & 63) === 0 && performance.now() > deadline) {
        this.#kick();
        break;
      }
    }
    if (this.#head === this.#pending.length) {
      this.#pending = [];
      this.#head = 0;
    } else if (this.#head > 4096 && this.#head * 2 > this.#pending.length) {
      this.#pending = this.#pending.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Runs a task now if its resources are free, else parks it with those that need the same. */
  #start(task: Task, slot: ExecutionSlot): void {
    const limiter = this.#limiter;
    if (limiter === undefined || task.resources === undefined) return this.#run(task, slot);
    const impossible = limiter.impossible(task.resources);
    if (impossible !== undefined) {
      const error = new MazepaError(`LocalExecutionQueue cannot run task ${task.id}: ${impossible}`, {
        taskId: task.id,
      });
      slot.subscriber.next({
        taskId: task.id,
        attempt: task.attempt,
        outcome: { error: serializeError(error), executionSecs: 0 },
      });
      return;
    }
    if (this.#blocked!.admit(task)) this.#run(task, slot);
  }

  #run(task: Task, slot: ExecutionSlot): void {
    if (slot.telemetry !== undefined) return this.#runTraced(task, slot, slot.telemetry);
    task.status = 'running';
    const started = startAttempt(task, this.#scheduler);
    if (!(started instanceof PendingAttempt)) {
      if (task.resources !== undefined) this.#limiter?.release(task.resources);
      slot.subscriber.next({
        taskId: task.id,
        attempt: task.attempt,
        outcome: this.#portability.checkOutcome(task, started),
      });
      return;
    }
    // Only an async task needs to be told of later.
    const { id: taskId, attempt } = task;
    this.#running++;
    started.settle((late) => {
      this.#limiter?.release(task.resources);
      this.#running--;
      if (this.#executions.get(task.executionId!) === slot) {
        slot.subscriber.next({ taskId, attempt, outcome: this.#portability.checkOutcome(task, late) });
      }
      this.#kick();
    }, slot.cancel.signal);
  }

  /** {@link #run} inside an attempt span, with the span active while the task runs. */
  #runTraced(task: Task, slot: ExecutionSlot, telemetry: ExecutionTelemetry): void {
    task.status = 'running';
    const { id: taskId, attempt } = task;
    const span = telemetry.attempt(task, this.name);
    const outcome = telemetry.within(span, () =>
      runAttempt(
        task,
        this.#scheduler,
        (late) => {
          this.#limiter?.release(task.resources);
          this.#running--;
          const checked = this.#portability.checkOutcome(task, late);
          telemetry.attemptDone(span, checked.error);
          if (this.#executions.get(task.executionId!) === slot)
            slot.subscriber.next({ taskId, attempt, outcome: checked });
          this.#kick();
        },
        slot.cancel.signal,
      ),
    );
    if (outcome !== undefined) {
      this.#limiter?.release(task.resources);
      const checked = this.#portability.checkOutcome(task, outcome);
      telemetry.attemptDone(span, checked.error);
      slot.subscriber.next({ taskId, attempt, outcome: checked });
    } else this.#running++;
  }
}
