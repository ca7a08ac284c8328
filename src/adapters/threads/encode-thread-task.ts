import { encodeValue } from '../../flows/codec/index.js';
import { MazepaError } from '../../flows/errors.js';
import type { Task } from '../../flows/task.js';
import { whyLocalOnly } from '../remote/portability.js';
import type { ThreadTaskMessage } from './thread-message.js';

/**
 * The message that sends one attempt of `task` to a worker thread: operation name, encoded
 * constructor arguments and encoded arguments, exactly what a remote worker gets. Throws a
 * `MazepaError` naming the task for what cannot run in a thread: an argument the codec refuses
 * (with its path), or an operation not registered by `taskableOperation` /
 * `taskableOperationCls` (a thread could only run it by name).
 *
 * @internal
 */
export function encodeThreadTask(task: Task, key: number): ThreadTaskMessage {
  const { id: taskId, operationName } = task;
  const refuse = (why: string, cause?: unknown): never => {
    throw new MazepaError(
      `ThreadExecutionQueue: task ${taskId} (operation '${operationName}') cannot run in a worker thread: ${why}`,
      {
        taskId,
        ...(cause === undefined ? {} : { cause }),
      },
    );
  };
  const localOnly = whyLocalOnly(task);
  if (localOnly !== undefined) refuse(localOnly);
  let args;
  let constructorArgs;
  try {
    args = encodeValue(task.args, 'args');
    constructorArgs =
      task.constructorArgs === undefined ? undefined : encodeValue(task.constructorArgs, 'constructorArgs');
  } catch (error) {
    return refuse(error instanceof Error ? error.message : String(error), error);
  }
  return {
    key,
    taskId,
    attempt: task.attempt,
    operationName,
    constructorArgs,
    args,
    runtimeLimitMs: task.runtimeLimitMs,
  };
}
