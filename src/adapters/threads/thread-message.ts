/**
 * What crosses between the main thread and a worker thread of `ThreadExecutionQueue`: the same
 * parts as a remote task message (operation name and encoded arguments), as plain data.
 */
import type { Encoded } from '../../flows/codec/index.js';
import type { SerializedError } from '../../flows/serialized-error.js';

/** One attempt of a task, as a worker thread receives it. @internal */
export interface ThreadTaskMessage {
  /** Tells the main thread's `started` notice apart from other attempts. */
  readonly key: number;
  readonly taskId: string;
  readonly attempt: number;
  readonly operationName: string;
  /** `encodeValue(task.constructorArgs)` for class operations. */
  readonly constructorArgs: Encoded | undefined;
  /** `encodeValue(task.args)`. */
  readonly args: Encoded;
  readonly runtimeLimitMs: number | undefined;
}

/** How an attempt went, as a worker thread reports it. @internal */
export interface ThreadTaskResult {
  /** `encodeValue` of what the task returned, when it succeeded. */
  readonly returnValue?: Encoded;
  readonly error?: SerializedError;
  readonly executionSecs: number;
}

/** What `ThreadExecutionQueue` hands each worker thread at start. @internal */
export interface ThreadWorkerData {
  /** Resolved specifiers of the modules that register the operations. */
  readonly imports: readonly string[];
}

/** The key of the message a thread posts when an attempt starts running. @internal */
export const STARTED_KEY = 'mazepa.threadTaskStarted';

/** The message a thread posts when an attempt starts running (its runtime limit starts then). @internal */
export interface ThreadStartedMessage {
  readonly [STARTED_KEY]: number;
}

/** True for a {@link ThreadStartedMessage}. @internal */
export function isStartedMessage(message: unknown): message is ThreadStartedMessage {
  return (
    typeof message === 'object' &&
    message !== null &&
    typeof (message as Record<string, unknown>)[STARTED_KEY] === 'number'
  );
}
