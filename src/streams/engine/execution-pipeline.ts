/**
 * The engine room (`src/streams/engine`): one execution, from the flows' yields to the queue's
 * `pushTasks` and from its outcomes back to the flows. This file composes it; each stage is a
 * file of its own (`flow-driver.ts`, `yield-router.ts`, `batching-sink.ts`, `adopted-tasks.ts`,
 * `retry-stage.ts`, `gate.ts`, `deadlock-check.ts`), and the state they share is the execution
 * graph (`graph/`), which only its transitions change. `flow-emissions.ts` is the one place a
 * generator is stepped; `dry-run.ts` counts with it too.
 *
 * @module
 */
import {
  EMPTY,
  Observable,
  Subscription,
  catchError,
  filter,
  from,
  map,
  merge,
  mergeMap,
  type OperatorFunction,
} from 'rxjs';
import { MazepaCancelledError, MazepaError, MazepaExecutionFailure } from '../../flows/errors.js';
import type { Flow } from '../../flows/flow.js';
import type { Task, TaskOutcome } from '../../flows/task.js';
import type { ExecutionEvent } from '../execution-event.js';
import type { ExecutionQueue, OutcomeReport } from '../execution-queue.js';
import type { ResolvedOptions } from '../execute-options.js';
import { createAdoptedTasks } from './adopted-tasks.js';
import { batchTasks, createBatchingPolicy } from './batching-sink.js';
import { deadlockCheck } from './deadlock-check.js';
import { createFlowDriver } from './flow-driver.js';
import { gate } from './gate.js';
import { createExecutionGraph, NONE } from './graph/execution-graph.js';
import type { FailureOrigin } from './graph/flow-lifecycle.js';
import type { FlowNode, TaskNode } from './graph/nodes.js';
import { createHotStream } from './hot-stream.js';
import { retryStage } from './retry-stage.js';
import type { Stats } from './stats.js';
import { routeYields } from './yield-router.js';

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

/** What the pipeline needs from the execution around it. @internal */
export interface ExecutionPipelineConfig extends Pick<
  ResolvedOptions,
  | 'executionId'
  | 'maxBatchLen'
  | 'maxInFlight'
  | 'raiseOnFailedTask'
  | 'completed'
  | 'taskEvents'
  | 'isTransient'
  | 'scheduler'
> {
  readonly queue: ExecutionQueue;
  readonly hooks: RunHooks;
  readonly stats: Stats;
  readonly emit: (event: ExecutionEvent) => void;
  /** The root flow is done: `error` is set when it failed. */
  readonly finish: (error: Error | undefined, origin: FailureOrigin | undefined) => void;
  /** The execution fails for a reason outside the flows (a refused push, the outcome stream failed). */
  readonly fail: (error: Error) => void;
}

/**
 * The engine of one execution of `root`, as the design draws it: two loops of streams that meet
 * in the execution graph.
 *
 * ```text
 * started$ -> flows (pulled while there is room) -> emissions$ -> route -> batch -> push   (down)
 * outcomes$ -> adopt -> retry -> completions$ -> gate -> resume -> flows                   (up)
 * ```
 *
 * Every flow is an Observable of its emissions ({@link createFlowDriver}); subflows join by
 * being started. Synchronous: a flow resumes in the call that delivered the completion it waits
 * on, which is what keeps marble tests exact. Unsubscribing the returned subscription cancels
 * everything (generators' `finally` blocks run).
 *
 * @internal
 */
export function startExecutionPipeline(root: Flow<unknown>, config: ExecutionPipelineConfig): Subscription {
  const { executionId, maxBatchLen, maxInFlight, queue, hooks, stats, emit, fail } = config;
  const taskEvents = config.taskEvents !== false;
  const pipeline = new Subscription();

  // The state: the execution graph (task table, waits, nodes), changed only through its transitions.
  const graph = createExecutionGraph(root, { ...config, completedUnder: hooks.completedUnder, stats });
  // The batching policy, and the flow driver that pulls flows while the policy leaves room.
  const policy = createBatchingPolicy({ maxBatchLen, maxInFlight, inFlight: () => graph.tasksInFlight });
  const flows = createFlowDriver({ graph, maxBatchLen, room: policy.room });
  // A re-attached run only: outcomes of adopted tasks that come before their task is yielded wait.
  const adopted = hooks.adopted === undefined ? undefined : createAdoptedTasks(hooks.adopted);
  // Where the loops close: the flows that start (the root, then the subflows the router starts),
  // and the tasks that go back to the batch stage (retries after their delay, lost adopted tasks).
  const started = createHotStream<FlowNode>();
  const requeued = createHotStream<TaskNode>();

  // Down: every flow's emissions -> route -> batch -> push.
  const emissions$ = started.observable.pipe(flows.emissions);
  const batches$ = emissions$.pipe(
    routeYields({ graph, started }),
    batchTasks({
      executionId,
      policy,
      flushes: flows.idle,
      requeued: requeued.observable,
      graph,
      stats,
      emit,
      taskEvents,
      pushedBefore: adopted && ((id) => adopted.claim(id)),
    }),
  );
  pipeline.add(batches$.pipe(pushTasks(queue, executionId, hooks.pushing, fail)).subscribe());
  if (adopted !== undefined) pipeline.add(flows.idle.subscribe(() => adopted.replay()));

  // Up: outcomes -> adopt -> retry -> completions -> gate -> resume.
  const outcomes$ = outcomesOf(queue, executionId);
  const completions$ = (adopted === undefined ? outcomes$ : outcomes$.pipe(adopted.stage)).pipe(
    retryStage({ ...config, taskEvents, graph, requeue: requeued }),
  );
  const resumptions$ = merge(
    // A completion that readies no flow, while no flow waits for room and tasks are still in
    // flight, has nothing to move (most completions: one per task).
    completions$.pipe(
      gate(graph),
      filter((readied) => readied.length > 0 || flows.busy || graph.tasksInFlight === 0),
    ),
    // A task back in the batch stage moves the pipeline as a completion does (the batch flushes at idle).
    requeued.observable.pipe(map(() => NONE)),
    // At rest with nothing to move: flows waiting on ids never yielded get an error, or the root fails.
    flows.quiet.pipe(deadlockCheck({ executionId, graph, busy: () => flows.busy })),
  );
  pipeline.add(resumptions$.subscribe({ next: (readied) => flows.move(readied), error: fail }));
  if (adopted !== undefined && hooks.lost !== undefined) {
    const lost$ = hooks.lost.pipe(
      filter((taskId) => adopted.lost(taskId)),
      map((taskId) => graph.taskRequeued(taskId)),
      filter((node): node is TaskNode => node !== undefined),
    );
    pipeline.add(lost$.subscribe((node) => requeued.next(node)));
  }

  const readied = graph.start();
  started.next(graph.root);
  flows.move(readied);
  return pipeline;
}

/** The queue's outcome stream; its failure, or its end before the execution's, is an error. */
function outcomesOf(queue: ExecutionQueue, executionId: string): Observable<OutcomeReport> {
  // One stage, not catchError and concat: a report per task passes it.
  return new Observable<OutcomeReport>((subscriber) =>
    queue.outcomes(executionId).subscribe({
      next: (report) => subscriber.next(report),
      // A queue may end the run as cancelled (from outside); anything else fails it.
      error: (error: unknown) =>
        subscriber.error(
          error instanceof MazepaCancelledError
            ? error
            : new MazepaError(
                `Queue '${queue.name}': the outcome stream of ${executionId} failed` +
                  (error instanceof Error ? `: ${error.message}` : ''),
                { cause: error },
              ),
        ),
      complete: () =>
        subscriber.error(
          new MazepaError(`Queue '${queue.name}': the outcome stream of ${executionId} ended before the execution`),
        ),
    }),
  );
}

/**
 * The push stage: each batch goes to the queue's `pushTasks` (announced first to `pushing`: its
 * records precede the push); a refused push fails the execution.
 */
function pushTasks(
  queue: ExecutionQueue,
  executionId: string,
  pushing: ((tasks: readonly Task[]) => void) | undefined,
  fail: (error: Error) => void,
): OperatorFunction<Task[], never> {
  return mergeMap((batch) => {
    let pushed: Promise<void>;
    pushing?.(batch);
    try {
      pushed = queue.pushTasks(batch);
    } catch (error) {
      pushed = Promise.reject(error);
    }
    return from(pushed).pipe(
      mergeMap(() => EMPTY),
      catchError((error: unknown) => {
        fail(pushFailure(executionId, queue, batch, error));
        return EMPTY;
      }),
    );
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
