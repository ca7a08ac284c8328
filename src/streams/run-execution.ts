import { Observable } from 'rxjs';
import { MazepaCancelledError, MazepaExecutionFailure } from '../flows/errors.js';
import type { Flow } from '../flows/flow.js';
import type { ExecutionEvent, ExecutionSummary, OperationCounts } from './execution-event.js';
import type { ExecutionQueue } from './execution-queue.js';
import type { ResolvedOptions } from './execute-options.js';
import { startExecutionPipeline, type RunHooks } from './engine/execution-pipeline.js';
import type { FailureOrigin } from './engine/graph/flow-lifecycle.js';
import { createStats } from './engine/stats.js';
import { startExecutionTelemetry } from './telemetry/execution-telemetry.js';
import { executionEventToSpan } from './telemetry/execution-span-events.js';
import { trackStats } from './telemetry/task-metrics.js';

export type { RunHooks };

/**
 * @internal Where a run's running counts per operation (the engine's own, which its summary is
 * made of) can be read while it goes: set when the run starts. The dashboard samples them once a
 * second instead of counting an event per task.
 */
export interface CountsProbe {
  operations?: ReadonlyMap<string, Readonly<OperationCounts>>;
}

/**
 * One execution as a cold Observable of its events: each subscription is one run (the engine of
 * `engine/execution-pipeline.ts`, started after `execution_started`), cancelled by the signal or
 * by unsubscribing; it completes with the summary or fails with the root's error.
 *
 * @internal the public entry points are `execution` and `execute`
 */
export function runExecution(
  root: Flow<unknown>,
  options: ResolvedOptions,
  queue: ExecutionQueue,
  hooks: RunHooks = {},
  probe?: CountsProbe,
): Observable<ExecutionEvent> {
  const { executionId, scheduler, signal } = options;
  return new Observable<ExecutionEvent>((subscriber) => {
    const startedAt = scheduler.now();
    let done = false;
    const fail = (error: Error): void => {
      if (done) return;
      done = true;
      telemetry?.end(undefined, error);
      subscriber.error(error);
    };
    const stats = createStats();
    // With no SDK registered, both are undefined and the run is as it would be without them.
    const telemetry = startExecutionTelemetry(root.name, executionId, queue.name);
    const untrack = trackStats(stats);
    if (telemetry !== undefined || untrack !== undefined) {
      subscriber.add(() => {
        untrack?.();
        telemetry?.end(undefined, done ? undefined : new MazepaCancelledError(`Execution ${executionId} ended`));
      });
    }
    if (telemetry !== undefined && hooks.adopted !== undefined) {
      telemetry.annotate({ 'mazepa.execution.reattached': true, 'mazepa.execution.adopted': hooks.adopted.size });
    }
    const spanEvents = telemetry === undefined ? undefined : executionEventToSpan(telemetry);
    if (probe !== undefined) probe.operations = stats.operations;
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
    const pipeline = startExecutionPipeline(root, {
      ...options,
      queue,
      hooks,
      stats,
      emit: (event) => {
        if (done) return;
        spanEvents?.(event);
        subscriber.next(event);
      },
      finish: (error, origin) => {
        if (done) return;
        if (error !== undefined) return fail(executionFailure(executionId, error, origin));
        const durationMs = scheduler.now() - startedAt;
        const summary = summarize(executionId, stats.operations, durationMs, root.outcome?.returnValue);
        subscriber.next({ type: 'execution_completed', executionId, summary });
        done = true;
        telemetry?.end(summary);
        subscriber.complete();
      },
      fail,
    });
    subscriber.add(pipeline);
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
