import { Observable, Subscription, asyncScheduler, type SchedulerLike, type Subscriber } from 'rxjs';
import { MazepaError } from '../../flows/errors.js';
import { serializeError } from '../../flows/serialized-error.js';
import type { Task } from '../../flows/task.js';
import type { ExecutionQueue, OutcomeReport } from '../../streams/execution-queue.js';

/** Options of {@link MarbleExecutionQueue}. */
export interface MarbleExecutionQueueOptions {
  /**
   * The work of one attempt, as an Observable in virtual time: its first value is the task's
   * return value (completing without one returns `undefined`), an error fails the attempt.
   * Typically `({ operationName }) => cold('--a|', { a: 1 })` from the TestScheduler helpers;
   * `isTaskOf(operation, task)` narrows the task to that operation's typed arguments.
   */
  readonly work: (task: Task) => Observable<unknown>;
  /** The clock for pushes and timings. @default asyncScheduler (virtual inside `TestScheduler.run`) */
  readonly scheduler?: SchedulerLike;
}

/** One `pushTasks` call, as the queue saw it. */
export interface MarblePush {
  /** `scheduler.now()` at the push: the frame, inside `TestScheduler.run`. */
  readonly frame: number;
  readonly taskIds: readonly string[];
}

/**
 * A queue for marble tests: each task's completion time and value come from a marble diagram, so
 * a whole execution runs in virtual time. Records every push, so tests can assert what was
 * submitted when; unsubscribing an execution unsubscribes its running work (`expectSubscriptions`).
 *
 * @example
 * ```ts
 * import { TestScheduler } from 'rxjs/testing';
 * import { execution } from 'mazepa';
 * import { MarbleExecutionQueue } from 'mazepa/testing';
 * new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
 *   const queue = new MarbleExecutionQueue({ work: () => cold('--a|', { a: 1 }) });
 *   expectObservable(execution(flow, { queue }).pipe(map((e) => e.type[5]))).toBe('...');
 * });
 * ```
 */
export class MarbleExecutionQueue implements ExecutionQueue {
  readonly name = 'marble';
  /** Every push, in order. */
  readonly pushes: MarblePush[] = [];
  readonly #work: (task: Task) => Observable<unknown>;
  readonly #scheduler: SchedulerLike;
  readonly #executions = new Map<string, { subscriber: Subscriber<OutcomeReport>; work: Subscription }>();

  constructor(options: MarbleExecutionQueueOptions) {
    if (typeof options?.work !== 'function') {
      throw new TypeError(`MarbleExecutionQueue: option 'work' must be a function, received ${typeof options?.work}`);
    }
    this.#work = options.work;
    this.#scheduler = options.scheduler ?? asyncScheduler;
  }

  pushTasks(tasks: readonly Task[]): Promise<void> {
    this.pushes.push({ frame: this.#scheduler.now(), taskIds: tasks.map((t) => t.id) });
    for (const task of tasks) {
      const slot = this.#executions.get(task.executionId ?? '');
      if (slot === undefined) {
        return Promise.reject(new MazepaError(`MarbleExecutionQueue: nobody listens to ${String(task.executionId)}`));
      }
      this.#start(task, slot);
    }
    return Promise.resolve();
  }

  outcomes(executionId: string): Observable<OutcomeReport> {
    return new Observable<OutcomeReport>((subscriber) => {
      const work = new Subscription();
      this.#executions.set(executionId, { subscriber, work });
      return () => {
        this.#executions.delete(executionId);
        work.unsubscribe();
      };
    });
  }

  #start(task: Task, slot: { subscriber: Subscriber<OutcomeReport>; work: Subscription }): void {
    const { id: taskId, attempt } = task;
    const start = this.#scheduler.now();
    const secs = (): number => (this.#scheduler.now() - start) / 1000;
    let reported = false;
    const report = (outcome: OutcomeReport['outcome']): void => {
      if (reported) return;
      reported = true;
      slot.work.remove(subscription);
      subscription.unsubscribe();
      slot.subscriber.next({ taskId, attempt, outcome });
    };
    const subscription: Subscription = new Subscription();
    slot.work.add(subscription);
    task.status = 'running';
    subscription.add(
      this.#work(task).subscribe({
        next: (returnValue) => report({ returnValue, executionSecs: secs() }),
        error: (error: unknown) => report({ error: serializeError(error), executionSecs: secs() }),
        complete: () => report({ returnValue: undefined, executionSecs: secs() }),
      }),
    );
  }
}
