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
 * which keeps the cost of a short synchronous task near that of a plain call.
 */
class AttemptContext implements TaskContext {
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

function call(this: AttemptTarget): unknown {
  return this.fn(...this.args);
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
  const start = scheduler.now();
  const context = new AttemptContext(target.id, target.attempt);
  let result: unknown;
  try {
    result = runInTaskContext(context, call.bind(target));
  } catch (error) {
    return { error: serializeError(error), executionSecs: (scheduler.now() - start) / 1000 };
  }
  if (!isThenable(result)) return { returnValue: result, executionSecs: (scheduler.now() - start) / 1000 };
  settleLater(target, result, context, start, scheduler, onSettled, cancelSignal);
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
