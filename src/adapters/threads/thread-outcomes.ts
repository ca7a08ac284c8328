import { decodeValue } from '../../flows/codec/index.js';
import { MazepaError, MazepaTimeoutError } from '../../flows/errors.js';
import { serializeError } from '../../flows/serialized-error.js';
import type { Task, TaskOutcome } from '../../flows/task.js';
import type { ThreadTaskResult } from './thread-message.js';

/** The outcome a thread reported, its return value decoded. @internal */
export function outcomeOf(result: ThreadTaskResult): TaskOutcome {
  const { executionSecs } = result;
  if (result.error !== undefined) return { error: result.error, executionSecs };
  try {
    return { returnValue: decodeValue(result.returnValue, 'returnValue'), executionSecs };
  } catch (error) {
    return { error: serializeError(error), executionSecs };
  }
}

/** The outcome of an attempt whose thread was terminated past its runtime limit. @internal */
export function timeoutOutcome(task: Task, executionSecs: number): TaskOutcome {
  const { id, attempt, runtimeLimitMs } = task;
  const error = new MazepaTimeoutError(
    `Task ${id} ran longer than its runtime limit of ${String(runtimeLimitMs)} ms ` +
      `(attempt ${attempt}); its worker thread was terminated`,
    { taskId: id },
  );
  return { error: serializeError(error), executionSecs };
}

/** The outcome of an attempt the pool itself failed: its thread died, or could not start. @internal */
export function poolFailure(task: Task, error: unknown, executionSecs: number): TaskOutcome {
  const wrapped = new MazepaError(`Task ${task.id}: its worker thread failed`, {
    taskId: task.id,
    cause: error,
  });
  return { error: serializeError(wrapped), executionSecs };
}
