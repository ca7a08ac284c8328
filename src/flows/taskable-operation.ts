import { checkOptionKeys, type KnownOptions } from './option-keys.js';
import { registerOperation } from './registry.js';
import { checkResources } from './resources.js';
import { Task, checkCount, checkTimeLimit, checkVersion, type TaskInit, type TaskRunOptions } from './task.js';

/** Options of {@link taskableOperation}. */
export interface TaskableOperationOptions extends TaskRunOptions {
  /** The name workers look the operation up by. @default fn.name */
  readonly operationName?: string;
}

/** A function that can also make tasks of itself; see {@link taskableOperation}. */
export type TaskableOperation<A extends readonly unknown[], R> = ((...args: A) => R) & {
  /** A task that calls the function with these arguments. */
  makeTask(...args: A): Task<Awaited<R>, A>;
  /** The operation's name. */
  readonly operationName: string;
  /** Its retry, timeout and routing settings. */
  readonly options: TaskRunOptions;
};

/**
 * Makes a function an operation: it still runs when called, and `.makeTask(...args)` makes a
 * task of it (typed by its parameters). The operation registers itself under its name, so
 * remote workers that import the module can run its tasks.
 *
 * @typeParam F - the function's type, from which `makeTask` takes its parameters and result
 * @param fn - the function; its `name` is the default operation name
 * @param options - operation name, retries, runtime limit, worker type, resources, `version`
 *   (part of the task ids: bump it when the code changes what the operation returns)
 * @returns the same function, with `makeTask` and `operationName`
 * @example
 * ```ts
 * import { execute, taskableOperation } from 'mazepa';
 * const greet = taskableOperation(function greet(name: string) { return `Hello ${name}!`; });
 * greet('Ada'); // still a normal call
 * const summary = await execute(greet.makeTask('Albert'));
 * ```
 */
export function taskableOperation<F extends (...args: never[]) => unknown>(
  fn: F,
  options?: TaskableOperationOptions,
): TaskableOperation<Parameters<F>, ReturnType<F>>;
export function taskableOperation<A extends readonly unknown[], R>(
  fn: (...args: A) => R,
  options: TaskableOperationOptions = {},
): TaskableOperation<A, R> {
  if (typeof fn !== 'function') {
    throw new TypeError(`taskableOperation: fn must be a function, received ${typeof fn}`);
  }
  const operationName = options.operationName ?? fn.name;
  if (typeof operationName !== 'string' || operationName === '') {
    throw new TypeError("taskableOperation: the function has no name; pass option 'operationName'");
  }
  const runOptions = checkRunOptions('taskableOperation', options);
  registerOperation({ kind: 'function', name: operationName, fn, options: runOptions });
  const operation = ((...args: A) => fn(...args)) as TaskableOperation<A, R>;
  const { maxRetry, runtimeLimitMs, workerType, resources, version } = runOptions;
  Object.defineProperties(operation, {
    name: { value: fn.name },
    operationName: { value: operationName, enumerable: true },
    options: { value: runOptions, enumerable: true },
    makeTask: {
      // One shape for every call (no spread of the options: it shows at 10^6 tasks).
      value: (...args: A) =>
        new Task<Awaited<R>, A>({
          fn: fn as (...args: A) => Awaited<R>,
          args,
          operationName,
          maxRetry,
          runtimeLimitMs,
          workerType,
          resources,
          version,
        } as TaskInit<Awaited<R>, A>),
    },
  });
  return operation;
}

const KNOWN: KnownOptions<TaskableOperationOptions> = {
  operationName: true,
  maxRetry: true,
  runtimeLimitMs: true,
  workerType: true,
  resources: true,
  version: true,
};

/** Validates the retry, timeout and routing options once. @internal */
export function checkRunOptions(owner: string, options: TaskableOperationOptions): TaskRunOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${owner}: options must be an object, received ${String(options)}`);
  }
  checkOptionKeys(owner, options, KNOWN);
  const out: { -readonly [K in keyof TaskRunOptions]: TaskRunOptions[K] } = {};
  if (options.maxRetry !== undefined) out.maxRetry = checkCount(owner, 'maxRetry', options.maxRetry);
  if (options.runtimeLimitMs !== undefined) {
    out.runtimeLimitMs = checkTimeLimit(owner, 'runtimeLimitMs', options.runtimeLimitMs);
  }
  if (options.workerType !== undefined) {
    if (typeof options.workerType !== 'string' || options.workerType === '') {
      throw new TypeError(
        `${owner}: option 'workerType' must be a non-empty string, received ${String(options.workerType)}`,
      );
    }
    out.workerType = options.workerType;
  }
  if (options.resources !== undefined) out.resources = checkResources(owner, 'resources', options.resources);
  if (options.version !== undefined) out.version = checkVersion(owner, options.version);
  return out;
}
