/**
 * Error classes of mazepa. Every one has a `name`, the id of the task or flow at fault where one
 * applies, and a `cause`.
 */

/** Options common to mazepa's error classes. */
export interface MazepaErrorOptions {
  /** The underlying error. */
  readonly cause?: unknown;
  /** The id of the task at fault, if one is. */
  readonly taskId?: string | undefined;
  /** The id of the flow at fault, if one is. */
  readonly flowId?: string | undefined;
}

/**
 * The base class of every error mazepa throws on its own account.
 *
 * @example
 * ```ts
 * import { execute, MazepaError } from 'mazepa';
 * try { await execute(flow); } catch (e) { if (e instanceof MazepaError) console.error(e.taskId); }
 * ```
 */
export class MazepaError extends Error {
  override name = 'MazepaError';
  /** The id of the task at fault, where one applies. */
  readonly taskId: string | undefined;
  /** The id of the flow at fault, where one applies. */
  readonly flowId: string | undefined;

  constructor(message: string, options: MazepaErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.taskId = options.taskId;
    this.flowId = options.flowId;
  }
}

/**
 * Thrown (as a rejection of `execute`, or an error of `execution`) when a task failed after its
 * retries and no flow caught it. `cause` is the task's own error, with the remote stack where
 * the task ran remotely.
 *
 * @example
 * ```ts
 * import { execute, MazepaExecutionFailure } from 'mazepa';
 * await execute(flow).catch((e: MazepaExecutionFailure) => console.error(e.taskId, e.cause));
 * ```
 */
export class MazepaExecutionFailure extends MazepaError {
  override name = 'MazepaExecutionFailure';
  /** The id of the execution that failed. */
  readonly executionId: string | undefined;

  constructor(message: string, options: MazepaErrorOptions & { executionId?: string } = {}) {
    super(message, options);
    this.executionId = options.executionId;
  }
}

/**
 * A task attempt ran longer than its `runtimeLimitMs`. Retried like a transient error.
 *
 * @example
 * ```ts
 * import { taskableOperation } from 'mazepa';
 * const slow = taskableOperation(async function slow() {}, { runtimeLimitMs: 5_000 });
 * ```
 */
export class MazepaTimeoutError extends MazepaError {
  override name = 'MazepaTimeoutError';
}

/**
 * Throw this from a task for a failure that may go away on a later attempt (a rate limit, a
 * dropped connection). Transient errors are retried up to 40 times with backoff, whatever the
 * operation's `maxRetry`.
 *
 * @example
 * ```ts
 * import { TransientError } from 'mazepa';
 * throw new TransientError('storage said 429', { cause: err });
 * ```
 */
export class TransientError extends MazepaError {
  override name = 'TransientError';
}

/**
 * The execution was cancelled: its `signal` aborted, or SIGINT / SIGTERM came while it ran (with
 * or without a checkpoint, on any queue). `execute` rejects with it after the run's clean-up (its
 * outcome queue deleted, its checkpoint written when it has one); the process goes on (only the
 * `mazepa` CLI exits, with code 130; a second signal ends any process at once). `cause` is the
 * signal's abort reason.
 *
 * @example
 * ```ts
 * import { execute, MazepaCancelledError } from 'mazepa';
 * try {
 *   await execute(flow, { checkpoint: 'run.ckpt' });
 * } catch (e) {
 *   if (e instanceof MazepaCancelledError) console.error('stopped; rerun to resume');
 * } finally {
 *   await queue.close();
 * }
 * ```
 */
export class MazepaCancelledError extends MazepaError {
  override name = 'MazepaCancelledError';
  /** The id of the execution that was cancelled. */
  readonly executionId: string | undefined;

  constructor(message: string, options: MazepaErrorOptions & { executionId?: string } = {}) {
    super(message, options);
    this.executionId = options.executionId;
  }
}

/** What a {@link WorkerLostError} knows of the task it names. */
export interface WorkerLostErrorOptions extends MazepaErrorOptions {
  /** The task's operation. */
  readonly operationName: string;
  /** How many times its message was received without an outcome. */
  readonly receiveCount: number;
  /**
   * The workers known to have taken it (`host pid N`): on SQS, the worker that took it on its
   * last allowed receive and reported it lost. Those that died on it could not say: unknown.
   */
  readonly workers?: readonly string[];
}

/**
 * A task's message was received `maxReceiveCount` times and never came back with an outcome:
 * the worker that took it died each time (a crash, an out-of-memory kill, a `process.exit` in the
 * task). Like Celery's `WorkerLostError`, it fails the task as any error does, so the task is
 * retried as its `maxRetry` says, then fails the execution with a `MazepaExecutionFailure` whose
 * `cause` it is.
 *
 * @example
 * ```ts
 * import { execute, MazepaExecutionFailure, WorkerLostError } from 'mazepa';
 * try {
 *   await execute(flow, { queue });
 * } catch (e) {
 *   if (e instanceof MazepaExecutionFailure && e.cause instanceof WorkerLostError) {
 *     console.error(`${e.cause.operationName} killed its worker ${e.cause.receiveCount} times`);
 *   }
 * }
 * ```
 */
export class WorkerLostError extends MazepaError {
  override name = 'WorkerLostError';
  /** The task's operation. */
  readonly operationName: string;
  /** How many times its message was received without an outcome. */
  readonly receiveCount: number;
  /**
   * The workers known to have taken it (`host pid N`), possibly none: on SQS, first the worker
   * that took it on its last allowed receive and reported it lost (the ones that died on it
   * before could not say, and are not known).
   */
  readonly workers: readonly string[];

  constructor(message: string, options: WorkerLostErrorOptions) {
    super(message, options);
    this.operationName = options.operationName;
    this.receiveCount = options.receiveCount;
    this.workers = options.workers ?? [];
  }
}
