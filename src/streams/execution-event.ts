import type { SerializedError } from '../flows/serialized-error.js';
import type { TaskOutcome } from '../flows/task.js';

/** Counts for one operation name. */
export interface OperationCounts {
  submitted: number;
  succeeded: number;
  failed: number;
  /** Completed in an earlier run (from a checkpoint) and not run again. */
  skipped: number;
  retried: number;
}

/**
 * What `execute` resolves to. `T` is what the root returned: typed from the target of
 * `execute` (a `Flow<T>` or `Task<T>` gives `T`, an array of them an array of their values).
 */
export interface ExecutionSummary<T = unknown> {
  readonly executionId: string;
  readonly succeeded: number;
  readonly failed: number;
  readonly skipped: number;
  readonly retried: number;
  /** Counts per operation name. */
  readonly operations: Readonly<Record<string, Readonly<OperationCounts>>>;
  /** Milliseconds from start to end, on the execution's scheduler. */
  readonly durationMs: number;
  /**
   * What the root returned: a flow's return value, a task's value, or an array of the values of
   * an array target (`undefined` for a task that failed with `raiseOnFailedTask: false`).
   */
  readonly result: T;
}

/**
 * What an execution reports as it goes: one discriminated union on `type`.
 *
 * @example
 * ```ts
 * import { filter } from 'rxjs';
 * import { execution } from 'mazepa';
 * execution(flow)
 *   .pipe(filter((e) => e.type === 'task_failed'))
 *   .subscribe((e) => console.error(e.taskId, e.error.message));
 * ```
 */
export type ExecutionEvent =
  | { readonly type: 'execution_started'; readonly executionId: string; readonly queue: string }
  | TaskEvent<'task_submitted', { readonly attempt: number }>
  | TaskEvent<'task_succeeded', { readonly outcome: TaskOutcome }>
  | TaskEvent<'task_failed', { readonly error: SerializedError; readonly attempt: number }>
  | TaskEvent<'task_retried', { readonly error: SerializedError; readonly attempt: number; readonly delayMs: number }>
  | TaskEvent<'task_skipped', { readonly outcome: TaskOutcome }>
  | {
      readonly type: 'flow_completed';
      readonly executionId: string;
      readonly flowId: string;
      readonly flowName: string;
      readonly failed: boolean;
    }
  | {
      readonly type: 'checkpoint_written';
      readonly executionId: string;
      readonly path: string;
      readonly completed: number;
    }
  | { readonly type: 'execution_completed'; readonly executionId: string; readonly summary: ExecutionSummary };

type TaskEvent<T extends string, Extra> = {
  readonly type: T;
  readonly executionId: string;
  readonly taskId: string;
  readonly operationName: string;
} & Extra;

/** The `type` of every {@link ExecutionEvent}. */
export type ExecutionEventType = ExecutionEvent['type'];
