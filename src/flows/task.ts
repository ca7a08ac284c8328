import { Dependency } from './dependency.js';
import { MazepaError } from './errors.js';
import { checkFunctionIdentity } from './function-identity.js';
import { deriveTaskId } from './ids.js';
import { checkResources, type ResourceUse } from './resources.js';
import { errorFromSerialized, type SerializedError } from './serialized-error.js';
import type { WorkerFacts } from './worker-facts.js';

/** Where a task is in its life. */
export type TaskStatus = 'not_submitted' | 'submitted' | 'running' | 'succeeded' | 'failed';

/** What came of a task once it is done. */
export interface TaskOutcome<R = unknown> {
  /** What the task's function returned (awaited), when it succeeded. */
  readonly returnValue?: R;
  /** The error of the last attempt, when it failed. */
  readonly error?: SerializedError;
  /** Seconds the last attempt ran. */
  readonly executionSecs: number;
  /** The remote worker that ran it and what it said of itself, when its queue reports that. */
  readonly worker?: WorkerFacts;
}

/** The parts of a task's definition shared by operations and single tasks. */
export interface TaskRunOptions {
  /** Retries for ordinary errors. Transient errors and timeouts retry up to 40 times. @default 0 */
  readonly maxRetry?: number;
  /** Milliseconds an attempt may run before it fails with `MazepaTimeoutError`. @default no limit */
  readonly runtimeLimitMs?: number;
  /** Routes the task to the queue serving this kind of worker (e.g. `'gpu'`). @default undefined */
  readonly workerType?: string;
  /**
   * Named resources each task uses while it runs (e.g. `{ gpu: 1 }`): a queue with
   * `resourceLimits` runs at most that many units of each at once. @default none
   */
  readonly resources?: ResourceUse;
  /**
   * The version of the operation's code, part of every task id: bump it when a change makes the
   * operation return something else for the same arguments, so checkpoints made before the
   * change do not skip its tasks. Compared as text (`2` and `'2'` are the same).
   * @default none (ids as without a version)
   */
  readonly version?: string | number;
}

/** What `new Task(...)` takes. */
export interface TaskInit<R, A extends readonly unknown[]> extends TaskRunOptions {
  /** The function the task calls. */
  readonly fn: (...args: A) => R | PromiseLike<R>;
  /** The arguments it is called with. @default [] */
  readonly args?: A;
  /** The operation's name, which remote workers look it up by. @default fn.name */
  readonly operationName?: string;
  /** The task's id. @default derived from the operation name and arguments */
  readonly id?: string;
  /** For class operations: the instance's constructor arguments. @internal */
  readonly constructorArgs?: readonly unknown[];
}

/**
 * A unit of work: a function and its arguments. Yield it from a flow to run it.
 *
 * @typeParam R - what the function returns (awaited)
 * @example
 * ```ts
 * import { Flow, Task, execute } from 'mazepa';
 * const greet = (name: string) => console.log(`Hello ${name}!`);
 * await execute(new Flow(function* () { yield new Task({ fn: greet, args: ['Albert'] }); }));
 * ```
 */
export class Task<R = unknown, A extends readonly unknown[] = any[]> {
  /** Deterministic unless set: the same operation and arguments give the same id anywhere. */
  readonly id: string;
  readonly operationName: string;
  /** The function the task calls. */
  readonly fn: (...args: A) => R | PromiseLike<R>;
  readonly args: A;
  readonly maxRetry: number;
  readonly runtimeLimitMs: number | undefined;
  readonly workerType: string | undefined;
  /** Named resources the task uses while it runs, which queues with resource limits count. */
  readonly resources: ResourceUse | undefined;
  /** The operation's version, part of the id (see {@link TaskRunOptions.version}). */
  readonly version: string | number | undefined;
  /** For class operations: the constructor arguments a remote worker rebuilds the instance from. */
  readonly constructorArgs: readonly unknown[] | undefined;
  /**
   * Why this task cannot leave the process (an argument the codec refuses), or `undefined`
   * when it can. Only the local queue runs tasks that cannot.
   */
  readonly unencodable: string | undefined;
  status: TaskStatus = 'not_submitted';
  /** Set once the task is done. */
  outcome: TaskOutcome<R> | undefined = undefined;
  /** The current attempt, counted from 1. Set by the engine. */
  attempt = 1;
  /** The execution this task was submitted in. Set by the engine. */
  executionId: string | undefined = undefined;

  constructor(init: TaskInit<R, A>) {
    if (typeof init?.fn !== 'function') {
      throw new TypeError(`Task: option 'fn' must be a function, received ${typeof init?.fn}`);
    }
    this.fn = init.fn;
    this.args = init.args ?? ([] as unknown as A);
    if (!Array.isArray(this.args)) {
      throw new TypeError(`Task: option 'args' must be an array, received ${typeof this.args}`);
    }
    const operationName = init.operationName ?? init.fn.name;
    if (typeof operationName !== 'string' || operationName === '') {
      throw new TypeError("Task: the function has no name; pass option 'operationName' (e.g. operationName: 'resize')");
    }
    // Named after its function and deriving its id: no other function may share that name.
    if (init.operationName === undefined && init.id === undefined) checkFunctionIdentity(init.fn, operationName);
    this.operationName = operationName;
    this.maxRetry = checkCount('Task', 'maxRetry', init.maxRetry ?? 0);
    this.runtimeLimitMs =
      init.runtimeLimitMs === undefined ? undefined : checkTimeLimit('Task', 'runtimeLimitMs', init.runtimeLimitMs);
    this.workerType = init.workerType;
    this.resources = init.resources === undefined ? undefined : checkResources('Task', 'resources', init.resources);
    this.constructorArgs = init.constructorArgs;
    this.version = init.version === undefined ? undefined : checkVersion('Task', init.version);
    if (init.id !== undefined) {
      if (typeof init.id !== 'string' || init.id === '') {
        throw new TypeError(`Task: option 'id' must be a non-empty string, received ${String(init.id)}`);
      }
      this.id = init.id;
      this.unencodable = undefined;
    } else {
      const derived = deriveTaskId(operationName, this.args, init.constructorArgs, this.version);
      this.id = derived.id;
      this.unencodable = derived.unencodable;
    }
  }

  /**
   * Waits for this task and returns its value, typed: `const v = yield* task.result()`.
   * Yields the task first if this object was not yielded yet. Throws the task's error if it
   * failed (also with `raiseOnFailedTask: false`, since there is no value to return). In a dry
   * run (`dryRun`, `estimateTotals`) it gives `undefined`, whatever `R` says.
   *
   * @example
   * ```ts
   * import { flowSchema, taskableOperation } from 'mazepa';
   * const add = taskableOperation(function add(a: number, b: number) { return a + b; });
   * const sum = flowSchema(function* sum() {
   *   const three = yield* add.makeTask(1, 2).result(); // typed as number
   *   yield add.makeTask(three, 4);
   * });
   * ```
   */
  *result(): Generator<Task<R, A> | Dependency, R, unknown> {
    if (this.status === 'not_submitted') yield this;
    yield new Dependency(this);
    const outcome = this.outcome;
    if (outcome === undefined) {
      throw new MazepaError(`Task ${this.id} has no outcome after its dependency was satisfied`, {
        taskId: this.id,
      });
    }
    if (outcome.error !== undefined) throw errorFromSerialized(outcome.error);
    return outcome.returnValue as R;
  }
}

/** @internal A `version` option: a non-empty string of at most 64 characters, or a whole number >= 0. */
export function checkVersion(owner: string, value: unknown): string | number {
  if (
    (typeof value === 'string' && value !== '' && value.length <= 64) ||
    (Number.isSafeInteger(value) && (value as number) >= 0)
  ) {
    return value as string | number;
  }
  throw new TypeError(
    `${owner}: option 'version' must be a non-empty string (at most 64 characters) or a whole number >= 0, ` +
      `received ${typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : String(value)}`,
  );
}

/** @internal */
export function checkCount(owner: string, option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new TypeError(`${owner}: option '${option}' must be a whole number >= 0, received ${String(value)}`);
  }
  return value;
}

/**
 * The longest delay Node's timers hold (2^31 - 1 ms, about 24.8 days): a longer one fires at
 * once. @internal
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** @internal A time limit in ms: a number > 0 that a timer can hold (at most {@link MAX_TIMER_MS}). */
export function checkTimeLimit(owner: string, option: string, value: unknown): number {
  if (typeof value !== 'number' || !(value > 0) || !(value <= MAX_TIMER_MS)) {
    throw new TypeError(
      `${owner}: option '${option}' must be a number > 0 and at most ${MAX_TIMER_MS} (about 24.8 days), ` +
        `received ${String(value)}`,
    );
  }
  return value;
}
