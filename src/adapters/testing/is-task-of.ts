import type { Task } from '../../flows/task.js';

/** What {@link isTaskOf} needs of an operation: its name and its typed `makeTask`. */
export interface NamedOperation<R, A extends any[]> {
  readonly operationName: string;
  /** A task of the operation with these arguments. */
  makeTask(...args: A): Task<R, A>;
}

/**
 * True when `task` is a task of `operation` (by operation name), narrowing it to that operation's
 * typed task, so a marble queue's `work` can read its arguments with their types.
 *
 * @example
 * ```ts
 * import { taskableOperation } from 'mazepa';
 * import { MarbleExecutionQueue, isTaskOf } from 'mazepa/testing';
 * const fetchChunk = taskableOperation(function fetchChunk(i: number) {});
 * const queue = new MarbleExecutionQueue({
 *   work: (task) => cold(isTaskOf(fetchChunk, task) && task.args[0] === 0 ? '3ms x|' : '5ms x|'),
 * });
 * ```
 */
export function isTaskOf<R, A extends any[]>(operation: NamedOperation<R, A>, task: Task): task is Task<R, A> {
  return task.operationName === operation.operationName;
}
