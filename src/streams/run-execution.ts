import { EMPTY, Observable, catchError, from, mergeMap } from 'rxjs';
import { MazepaCancelledError, MazepaError, MazepaExecutionFailure } from '../flows/errors.js';
import type { Flow } from '../flows/flow.js';
import type { Task, TaskOutcome } from '../flows/task.js';
import type { ExecutionEvent, ExecutionSummary, OperationCounts } from './execution-event.js';
import type { ExecutionQueue } from './execution-queue.js';
import type { ResolvedOptions } from './execute-options.js';
import { createAdoptedTasks } from './engine/adopted-tasks.js';
import { createExecutionPipeline } from './engine/execution-pipeline.js';
import type { FailureOrigin } from './engine/flow-lifecycle.js';
import { retryStage } from './engine/retry-stage.js';

/** How a run goes on with an earlier one, and hears of its pushes (a checkpoint's needs). @internal */
export interface RunHooks {
  /** The earlier run's pushed tasks, awaited without a push (the queue re-attached). */
  readonly adopted?: ReadonlySet<string>;
  /** Adopted task ids to push after all (their outcome cannot come). */
  readonly lost?: Observable<string>;
  /** A batch about to be pushed (called before `pushTasks`, so a record of it precedes the push). */
  readonly pushing?: (tasks: readonly Task[]) => void;
  /** The outcome a checkpoint holds for a task under an id of another scheme than its own. */
  readonly completedUnder?: (task: Task) => TaskOutcome | undefined;
}

/**
 * The execution pipeline: flows are pulled into batches that go to the queue's sink, and the
 * queue's outcome stream drives the flows that wait. Cold: each subscription is one run;
 * unsubscribing cancels it.
 *
 * @internal the public entry points are `execution` and `execute`
 */
export function runExecution(
  root: Flow<unknown>,
  options: ResolvedOptions,
  queue: ExecutionQueue,
  hooks: RunHooks = {},
): Observable<ExecutionEvent> {
  const { executionId, scheduler, signal } = options;
  const onPushing = hooks.pushing;
  return new Observable<ExecutionEvent>((subscriber) => {
    const startedAt = scheduler.now();
    let done = false;
    const fail = (error: Error): void => {
      if (done) return;
      done = true;
      subscriber.error(error);
    };
    // Re-attached runs only: the stage that holds back outcomes of adopted tasks not yielded yet.
    const adopted = hooks.adopted === undefined ? undefined : createAdoptedTasks(hooks.adopted);
    const pipeline = createExecutionPipeline(root, {
      ...options,
      ...(adopted === undefined ? {} : { adopted }),
      ...(hooks.completedUnder === undefined ? {} : { completedUnder: hooks.completedUnder }),
      emit: (event) => {
        if (!done) subscriber.next(event);
      },
      finish: (error, origin) => {
        if (done) return;
        if (error !== undefined) return fail(executionFailure(executionId, error, origin));
        const durationMs = scheduler.now() - startedAt;
        const summary = summarize(
          executionId,
          pipeline.retrying.stats.operations,
          durationMs,
          root.outcome?.returnValue,
        );
        subscriber.next({ type: 'execution_completed', executionId, summary });
        done = true;
        subscriber.complete();
      },
    });
    subscriber.add(() => pipeline.dispose());
    // The sink's batches go to the queue (each announced first: its p records precede the push);
    // a refused push fails the execution.
    subscriber.add(
      pipeline.batches
        .pipe(
          mergeMap((batch) => {
            let pushed: Promise<void>;
            onPushing?.(batch);
            try {
              pushed = queue.pushTasks(batch);
            } catch (error) {
              pushed = Promise.reject(error);
            }
            return from(pushed).pipe(
              catchError((error: unknown) => {
                fail(pushFailure(executionId, queue, batch, error));
                return EMPTY;
              }),
            );
          }),
        )
        .subscribe(),
    );
    if (signal !== undefined) {
      const onAbort = (): void =>
        fail(new MazepaCancelledError(`Execution ${executionId} was cancelled`, { cause: signal.reason, executionId }));
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      subscriber.add(() => signal.removeEventListener('abort', onAbort));
    }
    subscriber.next({ type: 'execution_started', executionId, queue: queue.name });
    const emit = (event: ExecutionEvent): void => {
      if (!done) subscriber.next(event);
    };
    const outcomes = queue.outcomes(executionId);
    const completions = (adopted === undefined ? outcomes : outcomes.pipe(adopted.stage)).pipe(
      retryStage({
        executionId,
        isTransient: options.isTransient,
        scheduler,
        emit,
        taskEvents: options.taskEvents !== false,
        ...pipeline.retrying,
      }),
    );
    subscriber.add(
      completions.subscribe({
        next: (completion) => pipeline.complete(completion),
        // A queue may end the run as cancelled (from outside); anything else fails it.
        error: (error: unknown) =>
          fail(
            error instanceof MazepaCancelledError
              ? error
              : new MazepaError(`Queue '${queue.name}': the outcome stream of ${executionId} failed`, { cause: error }),
          ),
        complete: () =>
          fail(
            new MazepaError(`Queue '${queue.name}': the outcome stream of ${executionId} ended before the execution`),
          ),
      }),
    );
    subscriber.add((hooks.lost ?? EMPTY).subscribe((taskId) => pipeline.requeue(taskId)));
    if (!done) pipeline.start();
  });
}

function executionFailure(
  executionId: string,
  error: Error,
  origin: FailureOrigin | undefined,
): MazepaExecutionFailure {
  const what =
    origin?.taskId !== undefined
      ? `task ${origin.taskId} (operation '${origin.operationName}') failed`
      : origin?.flowId !== undefined
        ? `flow '${origin.flowName}' (${origin.flowId}) failed`
        : 'failed';
  // A remote task's error names the worker that sent it back (`host pid N`).
  const worker = (error as { worker?: unknown }).worker;
  const where = typeof worker === 'string' ? ` (on ${worker})` : '';
  return new MazepaExecutionFailure(`Execution ${executionId}: ${what}${where}: ${error.name}: ${error.message}`, {
    cause: error,
    executionId,
    taskId: origin?.taskId,
    flowId: origin?.flowId,
  });
}

/** A refused push fails the execution as a failed task would: a `MazepaExecutionFailure`. */
function pushFailure(
  executionId: string,
  queue: ExecutionQueue,
  batch: readonly Task[],
  error: unknown,
): MazepaExecutionFailure {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new MazepaExecutionFailure(
    `Execution ${executionId}: queue '${queue.name}' refused a batch of ${batch.length} task(s) ` +
      `(first: ${batch[0]?.id}, operation '${batch[0]?.operationName}'): ${message}`,
    { cause: error, executionId, taskId: batch[0]?.id },
  );
}

/** @internal */
export function summarize(
  executionId: string,
  operations: ReadonlyMap<string, OperationCounts>,
  durationMs: number,
  result?: unknown,
): ExecutionSummary {
  const totals = { succeeded: 0, failed: 0, skipped: 0, retried: 0 };
  const perOperation: Record<string, OperationCounts> = {};
  for (const [name, counts] of operations) {
    perOperation[name] = { ...counts };
    totals.succeeded += counts.succeeded;
    totals.failed += counts.failed;
    totals.skipped += counts.skipped;
    totals.retried += counts.retried;
  }
  return { executionId, ...totals, operations: perOperation, durationMs, result };
}
