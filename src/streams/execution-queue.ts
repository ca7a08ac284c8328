import type { Observable } from 'rxjs';
import type { Task, TaskOutcome } from '../flows/task.js';
import type { PreviousRun, QueueAttachment } from './queue-attachment.js';
import type { QueueDepth } from './queue-depth.js';

/** A task's completion, as a queue reports it. */
export interface OutcomeReport {
  /** The id of the task that completed. */
  readonly taskId: string;
  /** How it went. */
  readonly outcome: TaskOutcome;
  /**
   * The attempt this outcome is for, where the queue knows it. A failure of an earlier attempt
   * that arrives after a retry started is ignored. @default the current attempt
   */
  readonly attempt?: number;
}

/**
 * Where tasks go to run, and where their outcomes come back from: the whole contract between the
 * engine and a queue. `LocalExecutionQueue` runs tasks in-process; `SqsExecutionQueue` sends them
 * to remote workers; a class of your own that implements this, passed as `queue`, just works.
 *
 * - `pushTasks` may be called again before an earlier call settles; tasks must run in no worse
 *   than call order. Each task carries its `executionId` and `attempt`.
 * - `outcomes(executionId)` is subscribed to before the first push of that execution; it emits one
 *   report per finished attempt. Unsubscribing means the execution is over: drop its queued tasks
 *   and cancel its running ones where the queue can. Erroring with `MazepaCancelledError` ends the
 *   run as cancelled (e.g. from outside); any other error fails it.
 * - `attach` (optional) lets a rerun with a checkpoint go on with the run that wrote it instead
 *   of starting afresh (see {@link QueueAttachment}). A queue without it always starts afresh.
 *
 * @example
 * ```ts
 * import { Subject, filter } from 'rxjs';
 * import type { ExecutionQueue, OutcomeReport, Task } from 'mazepa';
 * class InstantQueue implements ExecutionQueue {
 *   readonly name = 'instant';
 *   readonly #reports = new Subject<OutcomeReport & { executionId: string }>();
 *   async pushTasks(tasks: readonly Task[]) {
 *     for (const t of tasks) {
 *       const returnValue = await t.fn(...t.args);
 *       this.#reports.next({ executionId: t.executionId!, taskId: t.id, outcome: { returnValue, executionSecs: 0 } });
 *     }
 *   }
 *   outcomes(executionId: string) {
 *     return this.#reports.pipe(filter((r) => r.executionId === executionId));
 *   }
 * }
 * ```
 */
export interface ExecutionQueue {
  /** A readable name for events and errors. */
  readonly name: string;
  /** Sends tasks to run. */
  pushTasks(tasks: readonly Task[]): Promise<void>;
  /** The outcomes of one execution's tasks. */
  outcomes(executionId: string): Observable<OutcomeReport>;
  /**
   * Called once before a run with a checkpoint starts, with what the checkpoint holds of the run
   * that wrote it; `executionId` is the id this run would have if it started afresh.
   */
  attach?(executionId: string, previous: PreviousRun): Promise<QueueAttachment>;
  /**
   * Resolves once the clean-up of the executions that ended (whose outcomes were unsubscribed
   * from) is done, e.g. their outcome queues deleted. `execute` awaits it before it settles, so a
   * program may exit right after `execute`. It must not reject. @default nothing to wait for
   */
  drained?(): Promise<void>;
  /**
   * How many of the queue's messages wait and how many workers hold, for the progress display
   * (asked every few seconds while a run shows progress). Only for queues that send tasks away;
   * one answer should cost one cheap request.
   */
  depth?(): Promise<QueueDepth>;
  /** Releases the queue's resources. */
  close?(): Promise<void>;
}
