import { WorkerLostError } from './errors.js';

/** How a task's error travels in a {@link TaskOutcome}: plain data, so it crosses processes. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** The error's `cause`, serialized the same way when it is an error. */
  readonly cause?: SerializedError;
  /** The worker that sent the error back, for errors of remote tasks: its host name and pid. */
  readonly worker?: WorkerAddress;
  /** What a `WorkerLostError` knows of its task. */
  readonly lost?: LostTask;
}

/** A worker process: its host name and pid. */
export interface WorkerAddress {
  readonly host: string;
  readonly pid: number;
}

/** What a `WorkerLostError` knows of its task. */
export interface LostTask {
  readonly taskId: string;
  readonly operationName: string;
  readonly receiveCount: number;
  readonly workers: readonly string[];
}

const ORIGINAL = Symbol('mazepa.originalError');

/**
 * Turns any thrown value into a {@link SerializedError} whose texts are strings. Never throws,
 * whatever the value (getters that throw, `name` or `message` replaced by objects). The original
 * is kept on a hidden property, so an in-process run hands flows the very object that was thrown.
 *
 * @internal
 */
export function serializeError(error: unknown, depth = 0): SerializedError {
  let shape: SerializedError;
  try {
    shape = readError(error, depth);
  } catch {
    shape = { name: 'NonError', message: 'a value was thrown that could not be read' };
  }
  Object.defineProperty(shape, ORIGINAL, { value: error, enumerable: false });
  return shape;
}

function readError(error: unknown, depth: number): SerializedError {
  if (!(error instanceof Error)) return { name: 'NonError', message: describeThrown(error) };
  const cause = (error as { cause?: unknown }).cause;
  const stack: unknown = error.stack;
  return {
    name: text(error.name) || 'Error',
    message: text(error.message),
    ...(typeof stack === 'string' ? { stack } : {}),
    ...(cause !== undefined && depth < 8 ? { cause: serializeError(cause, depth + 1) } : {}),
    ...(error instanceof WorkerLostError
      ? {
          lost: {
            taskId: error.taskId ?? '',
            operationName: error.operationName,
            receiveCount: error.receiveCount,
            workers: [...error.workers],
          },
        }
      : {}),
  };
}

/** A string as is; anything else as the best text that can be made of it without throwing. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** @internal A copy of `shape` and its causes without their stacks. */
export function withoutStacks(shape: SerializedError): SerializedError {
  return {
    name: shape.name,
    message: shape.message,
    ...(shape.cause === undefined ? {} : { cause: withoutStacks(shape.cause) }),
    ...(shape.worker === undefined ? {} : { worker: shape.worker }),
    ...(shape.lost === undefined ? {} : { lost: shape.lost }),
  };
}

/**
 * The error a flow sees for a failed task: the original object where the task ran in this
 * process, otherwise an `Error` rebuilt from the serialized one (name, message, remote stack;
 * a `WorkerLostError` as one; `worker`, the text `host pid N`, when a worker sent it back).
 *
 * @internal
 */
export function errorFromSerialized(shape: SerializedError): Error {
  const original = (shape as { [ORIGINAL]?: unknown })[ORIGINAL];
  if (original instanceof Error) return original;
  const cause = shape.cause === undefined ? undefined : errorFromSerialized(shape.cause);
  const { lost, worker } = shape;
  const error =
    shape.name === 'WorkerLostError' && lost !== undefined
      ? new WorkerLostError(shape.message, { ...lost, ...(cause === undefined ? {} : { cause }) })
      : new Error(shape.message, cause === undefined ? undefined : { cause });
  error.name = shape.name;
  if (shape.stack !== undefined) error.stack = shape.stack;
  // Where a remote error came from, for the one who reads it.
  if (worker !== undefined) Object.assign(error, { worker: `${worker.host} pid ${worker.pid}` });
  return error;
}

function describeThrown(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return `a non-Error value was thrown: ${JSON.stringify(value) ?? String(value)}`;
  } catch {
    return `a non-Error value was thrown: ${text(value)}`;
  }
}
