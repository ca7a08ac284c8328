import { defer, lastValueFrom, type Observable } from 'rxjs';
import { LocalExecutionQueue } from './adapters/local/local-execution-queue.js';
import type { ResultOf } from './flows/all.js';
import type { ExecutionEvent, ExecutionSummary } from './streams/execution-event.js';
import { resolveOptions, type ExecuteOptions } from './streams/execute-options.js';
import type { ExecutionQueue } from './streams/execution-queue.js';
import { abortOnSignals } from './streams/interrupts.js';
import { runExecution } from './streams/run-execution.js';
import { resumable } from './execute/resumable-run.js';
import { rootFlow, type ExecutionTarget } from './execute/root-flow.js';
import { runDashboard, withDashboard } from './execute/run-dashboard.js';
import { withProgress } from './execute/run-progress.js';

export type { ExecutionTarget } from './execute/root-flow.js';

/**
 * A run of `target` as a cold Observable of {@link ExecutionEvent}s: subscribing starts it,
 * unsubscribing cancels it. It completes after `execution_completed`, and errors with
 * `MazepaExecutionFailure` when a task fails and no flow catches it. Options are checked at once.
 *
 * @example
 * ```ts
 * import { execution, progress } from 'mazepa';
 * execution(flow).pipe(progress()).subscribe((p) => console.log(p.total.succeeded));
 * ```
 */
export function execution(target: ExecutionTarget, options: ExecuteOptions = {}): Observable<ExecutionEvent> {
  return run(target, options, 'execution', true);
}

/** One run of `target`: options checked, the queue chosen, what is watched and shown wrapped around it. */
function run(
  target: ExecutionTarget,
  options: ExecuteOptions,
  owner: string,
  taskEvents: boolean,
): Observable<ExecutionEvent> {
  const given = resolveOptions(options, owner);
  // The local queue's run loop turns on setImmediate unless the caller brings a scheduler: the
  // default asyncScheduler would cost a timer tick (1 ms or more) at every turn.
  const queue: ExecutionQueue =
    given.queue ?? new LocalExecutionQueue(options.scheduler === undefined ? {} : { scheduler: options.scheduler });
  const dashboard = runDashboard(given.dashboard, queue);
  // Progress and checkpoints count and record from the per-task events; without them, and when
  // the caller only wants the summary, those events are not even made.
  const resolved = {
    ...given,
    taskEvents: taskEvents || given.showProgress || given.checkpoint !== undefined || dashboard?.taskEvents === true,
  };
  const root = rootFlow(target);
  const probe = dashboard?.probe;
  // SIGINT / SIGTERM cancel every run the same way, with or without a checkpoint, on any queue.
  const started = defer(() => {
    const interrupt = new AbortController();
    const signal =
      resolved.signal === undefined ? interrupt.signal : AbortSignal.any([resolved.signal, interrupt.signal]);
    const interruptible = { ...resolved, signal };
    const events =
      resolved.checkpoint === undefined
        ? runExecution(root, interruptible, queue, {}, probe)
        : resumable(root, interruptible, queue, options.scheduler, probe);
    return events.pipe(abortOnSignals(interrupt));
  });
  const watched = dashboard === undefined ? started : withDashboard(started, dashboard, queue);
  return resolved.showProgress ? withProgress(watched, target, queue, resolved) : watched;
}

/**
 * Runs `target` to the end and resolves to its summary. With no `queue`, tasks run in this
 * process, in the order they are yielded. With `checkpoint`, completed tasks are journaled to
 * that file as they complete, and a rerun skips them. Rejects with `MazepaExecutionFailure` (its
 * `cause` is the task's error) when a task fails and no flow catches it (or the queue refuses a
 * task), with `MazepaCancelledError` when `signal` aborts or SIGINT/SIGTERM comes (with or without
 * a checkpoint, on every queue; a second signal ends the process at once), after the run's clean-up
 * (its outcome queue deleted, its checkpoint written when it has one), and with a `TypeError` naming the option for invalid
 * options. The summary's `result` is what the root returned, typed from `target`: a `Flow<T>` or
 * `Task<T>` gives `T`, an array an array of their values. With `checkpoint`, its folder must
 * exist and be writable, or it rejects with a `CheckpointError` before any task runs.
 *
 * @example
 * ```ts
 * import { execute, flowSchema, taskableOperation } from 'mazepa';
 * const greet = taskableOperation(function greet(name: string) { console.log(`Hello ${name}!`); });
 * const greetMany = flowSchema(function* greetMany(names: string[]) {
 *   yield names.map((n) => greet.makeTask(n));
 * });
 * const summary = await execute(greetMany(['Albert', 'Isaac']));
 * console.log(summary.succeeded); // 2
 * const { result } = await execute(greet.makeTask('Ada')); // what the root returned, typed
 * // resumable: a rerun skips what the checkpoint holds
 * await execute(greetMany(['Albert', 'Isaac']), { checkpoint: 'greet.ckpt' });
 * ```
 */
export async function execute<const T extends ExecutionTarget>(
  target: T,
  options: ExecuteOptions = {},
): Promise<ExecutionSummary<ResultOf<T>>> {
  const events = run(target, options, 'execute', false);
  let last: ExecutionEvent;
  try {
    last = await lastValueFrom(events);
  } finally {
    // Settled only once the run's own clean-up is done (its outcome queue deleted), so that a
    // program may exit right after.
    await options.queue?.drained?.();
  }
  if (last.type !== 'execution_completed') throw new Error(`mazepa: execution ended on ${last.type}`);
  return last.summary as ExecutionSummary<ResultOf<T>>;
}
