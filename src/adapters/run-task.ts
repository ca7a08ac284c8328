import type { SchedulerLike, Subscription } from 'rxjs';
import { MazepaError, MazepaTimeoutError } from '../flows/errors.js';
import { serializeError } from '../flows/serialized-error.js';
import { runInTaskContext, type TaskContext } from '../flows/task-context.js';
import type { TaskOutcome } from '../flows/task.js';

/** What an attempt needs besides the function. @internal */
export interface AttemptSpec {
  readonly taskId: string;
  readonly attempt: number;
  readonly runtimeLimitMs: number | undefined;
  readonly call: () => unknown;
}

/** A running attempt. @internal */
export interface Attempt {
  /** True once the outcome was handed over (at once, for a synchronous function). */
  readonly settled: boolean;
  /** Abandons the attempt: its signal fires and it settles as failed. */
  cancel(reason: unknown): void;
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

/**
 * Runs one attempt of a task in this process, in its task context, and hands its outcome to
 * `onSettled`: synchronously for a synchronous function, else when the promise settles, the
 * runtime limit passes (on `scheduler`: the task's signal fires and the outcome is a
 * `MazepaTimeoutError`) or the attempt is cancelled, whichever comes first. A synchronous
 * function cannot be interrupted in-process.
 *
 * @internal
 */
export function runAttempt(
  spec: AttemptSpec,
  scheduler: SchedulerLike,
  onSettled: (outcome: TaskOutcome) => void,
  cancelSignal?: AbortSignal,
): Attempt {
  const start = scheduler.now();
  const context = new AttemptContext(spec.taskId, spec.attempt);
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
  const cancel = (reason: unknown): void =>
    fail(new MazepaError(`Task ${spec.taskId} was cancelled`, { taskId: spec.taskId, cause: reason }));
  const onCancel = (): void => cancel(cancelSignal?.reason);
  const attempt: Attempt = {
    get settled() {
      return settled;
    },
    cancel,
  };
  let result: unknown;
  try {
    result = runInTaskContext(context, spec.call);
  } catch (error) {
    settle({ error: serializeError(error), executionSecs: secs() });
    return attempt;
  }
  if (!isThenable(result)) {
    settle({ returnValue: result, executionSecs: secs() });
    return attempt;
  }
  if (cancelSignal !== undefined) {
    if (cancelSignal.aborted) {
      onCancel();
      return attempt;
    }
    cancelSignal.addEventListener('abort', onCancel, { once: true });
  }
  if (spec.runtimeLimitMs !== undefined) {
    const ms = spec.runtimeLimitMs;
    limit = scheduler.schedule(() => {
      fail(
        new MazepaTimeoutError(
          `Task ${spec.taskId} ran longer than its runtime limit of ${ms} ms (attempt ${spec.attempt})`,
          { taskId: spec.taskId },
        ),
      );
    }, ms);
  }
  result.then(
    (value) => settle({ returnValue: value, executionSecs: secs() }),
    (error: unknown) => settle({ error: serializeError(error), executionSecs: secs() }),
  );
  return attempt;
}

/** @internal */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
