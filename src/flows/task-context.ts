import { AsyncLocalStorage } from 'node:async_hooks';

/** What a running task can learn about itself; see {@link taskContext}. */
export interface TaskContext {
  /** The id of the running task. */
  readonly taskId: string;
  /** Which attempt this is: 1 for the first run, 2 for the first retry, and so on. */
  readonly attempt: number;
  /** Fires when the attempt times out (`runtimeLimitMs`) or the execution is cancelled. */
  readonly signal: AbortSignal;
}

const storage = new AsyncLocalStorage<TaskContext>();

/**
 * The context of the task running now, or `undefined` outside a task. Long async work should
 * pass `signal` on (to `fetch`, streams) so it stops when the attempt times out or is cancelled.
 *
 * @returns the running task's id, attempt and abort signal
 * @example
 * ```ts
 * import { taskableOperation, taskContext } from 'mazepa';
 * const download = taskableOperation(async function download(url: string) {
 *   const res = await fetch(url, { signal: taskContext()?.signal });
 *   return res.status;
 * });
 * ```
 */
export function taskContext(): TaskContext | undefined {
  return storage.getStore();
}

/**
 * Runs `fn` with `context` as the current task context.
 *
 * @internal
 */
export function runInTaskContext<R>(context: TaskContext, fn: () => R): R {
  return storage.run(context, fn);
}
