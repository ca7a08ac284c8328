import {
  Subject,
  defer,
  finalize,
  from,
  lastValueFrom,
  map,
  of,
  switchMap,
  type Observable,
  type SchedulerLike,
} from 'rxjs';
import { LocalExecutionQueue } from './adapters/local/local-execution-queue.js';
import type { ResultOf } from './flows/all.js';
import { Dependency } from './flows/dependency.js';
import { describeValue, misuseHint } from './flows/describe-value.js';
import { Flow, type Startable } from './flows/flow.js';
import { Task, type TaskOutcome } from './flows/task.js';
import { loadCheckpoint } from './streams/checkpoint/checkpoint-file.js';
import { checkCheckpointFolder } from './streams/checkpoint/checkpoint-folder.js';
import { ID_SCHEMES_FIELD, checkpointIds } from './streams/checkpoint/checkpoint-id-schemes.js';
import type { ParsedCheckpoint } from './streams/checkpoint/checkpoint-format.js';
import { checkpointing } from './streams/checkpoint/checkpointing.js';
import { takeCheckpointLock, type CheckpointLock } from './streams/checkpoint/checkpoint-lock.js';
import { dryRun, type DryRunResult } from './streams/engine/dry-run.js';
import { serveRun } from './dashboard/serve-dashboard.js';
import type { ExecutionEvent, ExecutionSummary } from './streams/execution-event.js';
import {
  resolveOptions,
  type DashboardSetting,
  type ExecuteOptions,
  type ResolvedOptions,
} from './streams/execute-options.js';
import type { ExecutionQueue } from './streams/execution-queue.js';
import { abortOnSignals } from './streams/interrupts.js';
import { renderProgress } from './streams/progress/render-progress.js';
import type { QueueAttachment } from './streams/queue-attachment.js';
import { runExecution, type CountsProbe } from './streams/run-execution.js';
import { warnWhenStalled } from './streams/progress/stall-warning.js';

/** Queues whose tasks run in this process or its threads: no worker to wait for. */
const IN_PROCESS_QUEUES = new Set(['local', 'threads', 'marble']);

/** What `execute` and `execution` run: a task, a flow, or an array of them. */
export type ExecutionTarget = Startable | readonly Startable[];

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

function run(
  target: ExecutionTarget,
  options: ExecuteOptions,
  owner: string,
  taskEvents: boolean,
): Observable<ExecutionEvent> {
  const given = resolveOptions(options, owner);
  // The local queue's run loop turns on setImmediate unless the caller brings a scheduler: the
  // default asyncScheduler would cost a timer tick (1 ms or more) at every turn.
  const queue =
    given.queue ?? new LocalExecutionQueue(options.scheduler === undefined ? {} : { scheduler: options.scheduler });
  // The dashboard reads the engine's counters; it wants task events only for the workers that
  // remote outcomes name.
  const probe: CountsProbe | undefined = given.dashboard === undefined ? undefined : {};
  const remoteDashboard = given.dashboard !== undefined && !IN_PROCESS_QUEUES.has(queue.name);
  // Progress and checkpoints count and record from the per-task events; without them, and when
  // the caller only wants the summary, those events are not even made.
  const resolved = {
    ...given,
    taskEvents: taskEvents || given.showProgress || given.checkpoint !== undefined || remoteDashboard,
  };
  const root = rootFlow(target);
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
  const run = resolved.dashboard === undefined ? started : watched(started, resolved.dashboard, queue, probe!);
  if (!resolved.showProgress) return run;
  // Queues that send tasks away say so when nothing comes back (no worker running, most often).
  const events = IN_PROCESS_QUEUES.has(queue.name)
    ? run
    : warnWhenStalled(run, {
        queueName: queue.name,
        scheduler: resolved.scheduler,
        // A queue may say where the tasks went (an SQS queue: its dead-letter queue).
        warn: (message) => {
          const hint = (queue as { stallHint?: () => Promise<string | undefined> }).stallHint?.();
          if (hint === undefined) return void process.stderr.write(`${message}\n`);
          void hint.then((h) => process.stderr.write(`${message}${h === undefined ? '' : `; ${h}`}\n`));
        },
      });
  // Where the tasks in flight are (waiting, or held by workers), from a queue that can tell.
  const asked: ExecutionQueue = queue;
  const depth = IN_PROCESS_QUEUES.has(queue.name) || asked.depth === undefined ? {} : { depth: () => asked.depth!() };
  if (!resolved.estimateTotals) return renderProgress(events, process.stderr, resolved.scheduler, depth);
  return defer(() => from(estimate(target))).pipe(
    switchMap((totals) =>
      renderProgress(events, process.stderr, resolved.scheduler, totals === undefined ? depth : { ...depth, totals }),
    ),
  );
}

/** The run, served as a live page; the queue's depth shown when it can tell. */
function watched(
  events: Observable<ExecutionEvent>,
  setting: DashboardSetting,
  queue: ExecutionQueue,
  probe: CountsProbe,
) {
  const depth = IN_PROCESS_QUEUES.has(queue.name) || queue.depth === undefined ? {} : { depth: () => queue.depth!() };
  return serveRun(events, { ...setting, ...depth }, () => probe.operations);
}

/**
 * The totals for the progress bars, from a dry run; `undefined` (with a warning, and bars without
 * totals) when the dry run fails or stops early, which must never fail the real run.
 */
async function estimate(target: ExecutionTarget): Promise<DryRunResult['operations'] | undefined> {
  let counts: DryRunResult;
  try {
    counts = await dryRun(target);
  } catch (error) {
    process.stderr.write(`mazepa: estimateTotals: the dry run failed (${(error as Error).message}); no totals\n`);
    return undefined;
  }
  const stop = counts.partial[0];
  if (stop === undefined) return counts.operations;
  process.stderr.write(
    `mazepa: estimateTotals: flow '${stop.flowName}' threw in the dry run (${stop.error.message})` +
      `${counts.partial.length > 1 ? ` and ${counts.partial.length - 1} more` : ''}, so the counts are ` +
      'partial; progress without totals\n',
  );
  return undefined;
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

/**
 * A run with a checkpoint: the file is loaded first (its tasks are skipped), completed tasks are
 * journaled to it as the run goes, and a cancelled run (its signal aborted) ends after a last write.
 */
function resumable(
  root: Flow<unknown>,
  resolved: ResolvedOptions,
  queue: ExecutionQueue,
  scheduler: SchedulerLike | undefined,
  probe: CountsProbe | undefined,
): Observable<ExecutionEvent> {
  const path = resolved.checkpoint!;
  let lock: CheckpointLock | undefined;
  return defer(() =>
    from(
      checkCheckpointFolder(path).then(() => {
        // Before the file is read or any queue attached to: a live run's checkpoint is refused.
        lock = takeCheckpointLock(path, resolved.executionId);
        return loadCheckpoint(path);
      }),
    ),
  ).pipe(
    switchMap((loaded) => {
      // Before any queue is attached to: a file whose ids cannot be matched is refused first.
      const ids = checkpointIds(path, loaded);
      return attachTo(queue, resolved.executionId, loaded).pipe(map((a) => [loaded, a, ids] as const));
    }),
    switchMap(([loaded, attachment, ids]) => {
      const completed = merged(resolved.completed, loaded.completed);
      const executionId = attachment?.executionId ?? resolved.executionId;
      lock?.update(executionId);
      // Pushed tasks of a run this one does not go on with are nobody's: the file forgets them.
      const stale = attachment?.reattached !== true && loaded.pushed.size > 0;
      if (stale) loaded.log.forgetPushed();
      const pushes = attachment === undefined ? undefined : new Subject<readonly string[]>();
      const hooks = {
        ...(attachment?.reattached === true ? { adopted: loaded.pushed, lost: attachment.lost } : {}),
        ...(pushes === undefined ? {} : { pushing: (tasks: readonly Task[]) => pushes.next(pushedIds(tasks)) }),
        ...(ids.completedUnder === undefined ? {} : { completedUnder: ids.completedUnder }),
      };
      return runExecution(root, { ...resolved, executionId, completed }, queue, hooks, probe).pipe(
        checkpointing({
          path,
          intervalMs: resolved.checkpointIntervalMs,
          scheduler: resolved.scheduler,
          // A virtual-time scheduler given by the caller also batches the appends.
          ...(scheduler === undefined ? {} : { flushScheduler: scheduler }),
          loaded: stale ? { ...loaded, needsCompaction: true } : loaded,
          // `null` replaces what an earlier run with another queue recorded.
          meta: { queue: attachment?.record ?? null, [ID_SCHEMES_FIELD]: ids.schemes },
          ...(pushes === undefined ? {} : { pushes }),
        }),
      );
    }),
    finalize(() => lock?.release()),
  );
}

/** Asks a queue that can re-attach whether this run goes on with the checkpoint's. */
function attachTo(
  queue: ExecutionQueue,
  executionId: string,
  loaded: ParsedCheckpoint,
): Observable<QueueAttachment | undefined> {
  if (queue.attach === undefined) return of(undefined);
  const previousId = loaded.meta['executionId'];
  const record = loaded.meta['queue'];
  return defer(() =>
    queue.attach!(executionId, {
      executionId: typeof previousId === 'string' && previousId !== '' ? previousId : undefined,
      record: typeof record === 'object' && record !== null ? (record as Record<string, unknown>) : undefined,
      pushed: loaded.pushed,
    }),
  );
}

function pushedIds(tasks: readonly Task[]): string[] {
  return tasks.map((task) => task.id);
}

function merged(
  given: ReadonlyMap<string, TaskOutcome> | undefined,
  loaded: Map<string, TaskOutcome>,
): ReadonlyMap<string, TaskOutcome> {
  if (given !== undefined) for (const [id, outcome] of given) loaded.set(id, outcome);
  return loaded;
}

function rootFlow(target: ExecutionTarget): Flow<unknown> {
  if (target instanceof Flow) return target as Flow<unknown>;
  if (target instanceof Task) {
    return new Flow({
      name: target.operationName,
      fn: function* () {
        yield target;
        yield new Dependency();
        return valueOf(target);
      },
    });
  }
  if (Array.isArray(target)) {
    const items: readonly unknown[] = target;
    items.forEach((item, i) => {
      if (!(item instanceof Task) && !(item instanceof Flow)) {
        throw new TypeError(
          `execute: item ${i} of the target array must be a Task or a Flow, received ${describeValue(item)}` +
            misuseHint(item, 'target'),
        );
      }
    });
    return new Flow({
      name: 'execute',
      fn: function* () {
        yield target;
        yield new Dependency();
        return target.map(valueOf);
      },
    });
  }
  throw new TypeError(
    `execute: target must be a Task, a Flow or an array of them, received ${describeValue(target)}` +
      misuseHint(target, 'target'),
  );
}

/** A done task's or flow's value; `undefined` if it failed (with `raiseOnFailedTask: false`). */
function valueOf(item: Startable): unknown {
  const outcome = item.outcome as { readonly returnValue?: unknown } | undefined;
  return outcome?.returnValue;
}
