import type { SchedulerLike, Subscription } from 'rxjs';
import { MazepaError, MazepaTimeoutError } from '../flows/errors.js';
import { serializeError } from '../flows/serialized-error.js';
import { runInTaskContext, type TaskContext } from '../flows/task-context.js';
import type { TaskOutcome } from '../flows/task.js';

/** What an attempt runs: a task, or what a worker rebuilt of one. @internal */
export interface AttemptTarget {
  readonly id: string;
  readonly attempt: number;
  readonly runtimeLimitMs: number | undefined;
  readonly fn: (...args: any[]) => unknown;
  readonly args: readonly unknown[];
}

/**
 * The context a task sees. The AbortController is made only when the task asks for its signal,
 * which keeps the cost of a short synchronous task near that of a plain call. @internal
 */
export class AttemptContext implements TaskContext {
  #controller: AbortController | undefined;
  #reason: unknown;
  #aborted = false;

  constructor(
    readonly taskId: string,
    readonly attempt: number,
  ) {}

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

/** The target of the attempt being started (read at once by {@link callTarget}: no closure per attempt). */
let starting: AttemptTarget | undefined;

function callTarget(): unknown {
  const target = starting!;
  starting = undefined;
  return target.fn(...target.args);
}

/**
 * An attempt whose function returned a promise: {@link PendingAttempt.settle} says where its
 * outcome goes. Made only for async functions. @internal
 */
export class PendingAttempt {
  constructor(
    readonly target: AttemptTarget,
    readonly result: PromiseLike<unknown>,
    readonly context: AttemptContext,
    readonly start: number,
    readonly scheduler: SchedulerLike,
  ) {}

  /**
   * The outcome goes to `onSettled` when the promise settles, the runtime limit passes (the
   * task's signal fires and the outcome is a `MazepaTimeoutError`), or `cancelSignal` aborts,
   * whichever comes first.
   */
  settle(onSettled: (outcome: TaskOutcome) => void, cancelSignal?: AbortSignal): void {
    settleLater(this.target, this.result, this.context, this.start, this.scheduler, onSettled, cancelSignal);
  }
}

/**
 * Starts one attempt of a task in this process, in its task context: a synchronous function's
 * outcome at once, else a {@link PendingAttempt} (see {@link runAttempt}). @internal
 */
export function startAttempt(target: AttemptTarget, scheduler: SchedulerLike): TaskOutcome | PendingAttempt {
  const start = scheduler.now();
  const context = new AttemptContext(target.id, target.attempt);
  let result: unknown;
  try {
    starting = target;
    result = runInTaskContext(context, callTarget);
  } catch (error) {
    starting = undefined;
    return { error: serializeError(error), executionSecs: (scheduler.now() - start) / 1000 };
  }
  if (!isThenable(result)) return { returnValue: result, executionSecs: (scheduler.now() - start) / 1000 };
  return new PendingAttempt(target, result, context, start, scheduler);
}

/**
 * Runs one attempt of a task in this process, in its task context. A synchronous function's
 * outcome is returned at once. For an async one, `undefined` is returned and the outcome goes to
 * `onSettled` when the promise settles, the runtime limit passes (on `scheduler`: the task's
 * signal fires and the outcome is a `MazepaTimeoutError`), or `cancelSignal` aborts, whichever
 * comes first. A synchronous function cannot be interrupted in-process.
 *
 * @internal
 */
export function runAttempt(
  target: AttemptTarget,
  scheduler: SchedulerLike,
  onSettled: (outcome: TaskOutcome) => void,
  cancelSignal?: AbortSignal,
): TaskOutcome | undefined {
  const started = startAttempt(target, scheduler);
  if (!(started instanceof PendingAttempt)) return started;
  started.settle(onSettled, cancelSignal);
  return undefined;
}

function settleLater(
  target: AttemptTarget,
  result: PromiseLike<unknown>,
  context: AttemptContext,
  start: number,
  scheduler: SchedulerLike,
  onSettled: (outcome: TaskOutcome) => void,
  cancelSignal: AbortSignal | undefined,
): void {
  const secs = (): number => (scheduler.now() - start) / 1000;
  let settled = false;
  let limit: Subscription | undefined;
  const settle = (outcome: TaskOutcome): void => {
    if (settled) return;
    settled = true;
    limit?.unsubscribe();
    cancelSignal?.removeEventListener('abort', onCancel);
    onSettled(outcome);
  };
  const fail = (error: unknown): void => {
    context.abort(error);
    settle({ error: serializeError(error), executionSecs: secs() });
  };
  const onCancel = (): void =>
    fail(new MazepaError(`Task ${target.id} was cancelled`, { taskId: target.id, cause: cancelSignal?.reason }));
  if (cancelSignal !== undefined) {
    if (cancelSignal.aborted) return onCancel();
    cancelSignal.addEventListener('abort', onCancel, { once: true });
  }
  const ms = target.runtimeLimitMs;
  if (ms !== undefined) {
    limit = scheduler.schedule(() => {
      const message = `Task ${target.id} ran longer than its runtime limit of ${ms} ms (attempt ${target.attempt})`;
      fail(new MazepaTimeoutError(message, { taskId: target.id }));
    }, ms);
  }
  result.then(
    (value) => settle({ returnValue: value, executionSecs: secs() }),
    (error: unknown) => settle({ error: serializeError(error), executionSecs: secs() }),
  );
}

/** @internal */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
