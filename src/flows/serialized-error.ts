/** How a task's error travels in a {@link TaskOutcome}: plain data, so it crosses processes. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** The error's `cause`, serialized the same way when it is an error. */
  readonly cause?: SerializedError;
}

const ORIGINAL = Symbol('mazepa.originalError');

/**
 * Turns any thrown value into a {@link SerializedError}. The original is kept on a hidden
 * property, so an in-process run hands flows the very object that was thrown.
 *
 * @internal
 */
export function serializeError(error: unknown, depth = 0): SerializedError {
  let shape: SerializedError;
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    shape = {
      name: error.name,
      message: error.message,
      ...(error.stack === undefined ? {} : { stack: error.stack }),
      ...(cause !== undefined && depth < 8 ? { cause: serializeError(cause, depth + 1) } : {}),
    };
  } else {
    shape = { name: 'NonError', message: describeThrown(error) };
  }
  Object.defineProperty(shape, ORIGINAL, { value: error, enumerable: false });
  return shape;
}

/**
 * The error a flow sees for a failed task: the original object where the task ran in this
 * process, otherwise an `Error` rebuilt from the serialized one (name, message, remote stack).
 *
 * @internal
 */
export function errorFromSerialized(shape: SerializedError): Error {
  const original = (shape as { [ORIGINAL]?: unknown })[ORIGINAL];
  if (original instanceof Error) return original;
  const cause = shape.cause === undefined ? undefined : errorFromSerialized(shape.cause);
  const error = new Error(shape.message, cause === undefined ? undefined : { cause });
  error.name = shape.name;
  if (shape.stack !== undefined) error.stack = shape.stack;
  return error;
}

function describeThrown(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return `a non-Error value was thrown: ${JSON.stringify(value) ?? String(value)}`;
  } catch {
    return `a non-Error value was thrown: ${String(value)}`;
  }
}
