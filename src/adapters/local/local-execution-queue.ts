import { Observable, asyncScheduler, type SchedulerLike, type Subscriber } from 'rxjs';
import { MazepaError } from '../../flows/errors.js';
import type { Task } from '../../flows/task.js';
import type { ExecutionQueue, OutcomeReport } from '../../streams/execution-queue.js';
import { runAttempt } from '../run-task.js';

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
}

interface ExecutionSlot {
  readonly subscriber: Subscriber<OutcomeReport>;
  /** Aborted when the execution ends: its running attempts are abandoned. */
  readonly cancel: AbortController;
}

/**
 * Runs tasks in this process, in the order they are pushed: the default queue of `execute`.
 * Synchronous functions run back to back; async ones overlap up to `concurrency`.
 *
 * @example
 * ```ts
 * import { LocalExecutionQueue, execute } from 'mazepa';
 * await execute(flow, { queue: new LocalExecutionQueue({ concurrency: 8 }) });
 * ```
 */
export class LocalExecutionQueue implements ExecutionQueue {
  readonly name = 'local';
  readonly #concurrency: number;
  readonly #scheduler: SchedulerLike;
  readonly #customScheduler: boolean;
  readonly #sliceMs: number;
  readonly #executions = new Map<string, ExecutionSlot>();
  #pending: (Task | undefined)[] = [];
  #head = 0;
  #running = 0;
  #scheduled = false;

  constructor(options: LocalExecutionQueueOptions = {}) {
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
      const slot: ExecutionSlot = { subscriber, cancel: new AbortController() };
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
    while (this.#head < this.#pending.length && this.#running < this.#concurrency) {
      const task = this.#pending[this.#head]!;
      this.#pending[this.#head++] = undefined;
      const slot = this.#executions.get(task.executionId!);
      if (slot !== undefined) this.#run(task, slot);
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

  #run(task: Task, slot: ExecutionSlot): void {
    task.status = 'running';
    const { id: taskId, attempt } = task;
    const outcome = runAttempt(
      task,
      this.#scheduler,
      (late) => {
        this.#running--;
        if (this.#executions.get(task.executionId!) === slot) {
          slot.subscriber.next({ taskId, attempt, outcome: late });
        }
        this.#kick();
      },
      slot.cancel.signal,
    );
    if (outcome !== undefined) slot.subscriber.next({ taskId, attempt, outcome });
    else this.#running++;
  }
}
