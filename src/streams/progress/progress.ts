/**
 * The progress room (`src/streams/progress`): what an execution's events say about how far it
 * is. This file is its entry, the `progress` operator (events in, snapshots out);
 * `progress-bars.ts` and `render-progress.ts` draw them, `stall-warning.ts` warns when nothing
 * moves.
 *
 * @module
 */
import { Observable, asyncScheduler, interval, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { ExecutionEvent, OperationCounts } from '../execution-event.js';

/** Progress of one operation (or of all, in `total`). */
export interface OperationProgress extends OperationCounts {
  /** Submitted and not yet done. */
  readonly inFlight: number;
  /** Tasks done (succeeded or failed) per second since the execution started. */
  readonly ratePerSec: number;
}

/** A snapshot that the {@link progress} operator emits. */
export interface ProgressSnapshot {
  readonly executionId: string;
  readonly elapsedMs: number;
  readonly operations: Readonly<Record<string, OperationProgress>>;
  readonly total: OperationProgress;
  /** True on the last snapshot, once the execution completed. */
  readonly done: boolean;
}

/** Options of {@link progress}. */
export interface ProgressOptions {
  /** Milliseconds between snapshots; 0 emits one per event. @default 1000 */
  readonly intervalMs?: number;
  /** The scheduler for the interval and the clock. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

/**
 * Turns an execution's events into per-operation progress snapshots: on an interval, and a last
 * one when the execution completes.
 *
 * @example
 * ```ts
 * import { execution, progress } from 'mazepa';
 * execution(flow).pipe(progress({ intervalMs: 500 })).subscribe((p) =>
 *   console.log(`${p.total.succeeded} done, ${p.total.ratePerSec.toFixed(0)}/s`),
 * );
 * ```
 */
export function progress(options: ProgressOptions = {}): OperatorFunction<ExecutionEvent, ProgressSnapshot> {
  const intervalMs = options.intervalMs ?? 1000;
  if (typeof intervalMs !== 'number' || !(intervalMs >= 0)) {
    throw new TypeError(`progress: option 'intervalMs' must be a number >= 0, received ${String(intervalMs)}`);
  }
  const scheduler = options.scheduler ?? asyncScheduler;
  return (source) =>
    new Observable<ProgressSnapshot>((subscriber) => {
      const counter = createProgressCounter(scheduler);
      if (intervalMs > 0) {
        subscriber.add(interval(intervalMs, scheduler).subscribe(() => subscriber.next(counter.snapshot(false))));
      }
      subscriber.add(
        source.subscribe({
          next: (event) => {
            counter.add(event);
            if (intervalMs === 0 && event.type !== 'execution_completed') subscriber.next(counter.snapshot(false));
          },
          error: (error: unknown) => subscriber.error(error),
          complete: () => {
            subscriber.next(counter.snapshot(true));
            subscriber.complete();
          },
        }),
      );
    });
}

/** Counts events per operation; snapshots on demand. @internal */
export interface ProgressCounter {
  add(event: ExecutionEvent): void;
  snapshot(done: boolean): ProgressSnapshot;
}

/** @internal shared by {@link progress} and the progress display, which calls it per event */
export function createProgressCounter(scheduler: SchedulerLike): ProgressCounter {
  const start = scheduler.now();
  const counts = new Map<string, OperationCounts>();
  let executionId = '';
  // Events come in runs of one operation: the last one's counts are kept at hand.
  let lastName: string | undefined;
  let last: OperationCounts | undefined;
  return {
    add(event) {
      if (event.type === 'execution_started') executionId = event.executionId;
      if (!('operationName' in event)) return;
      if (event.operationName !== lastName) {
        lastName = event.operationName;
        last = counts.get(lastName);
        if (last === undefined) {
          last = { submitted: 0, succeeded: 0, failed: 0, skipped: 0, retried: 0 };
          counts.set(lastName, last);
        }
      }
      count(last!, event.type);
    },
    snapshot(done) {
      const elapsedMs = scheduler.now() - start;
      const operations: Record<string, OperationProgress> = {};
      const total = { submitted: 0, succeeded: 0, failed: 0, skipped: 0, retried: 0 };
      for (const [name, c] of counts) {
        operations[name] = withRates(c, elapsedMs);
        for (const key of Object.keys(total) as (keyof OperationCounts)[]) total[key] += c[key];
      }
      return { executionId, elapsedMs, operations, total: withRates(total, elapsedMs), done };
    },
  };
}

function count(c: OperationCounts, type: ExecutionEvent['type']): void {
  switch (type) {
    case 'task_submitted':
      c.submitted++;
      break;
    case 'task_succeeded':
      c.succeeded++;
      break;
    case 'task_failed':
      c.failed++;
      break;
    case 'task_skipped':
      c.skipped++;
      break;
    case 'task_retried':
      c.retried++;
      break;
  }
}

function withRates(c: OperationCounts, elapsedMs: number): OperationProgress {
  // A retried task is submitted again, so in flight counts each submission once it is not done.
  const inFlight = c.submitted - c.succeeded - c.failed - c.retried;
  return { ...c, inFlight, ratePerSec: elapsedMs > 0 ? ((c.succeeded + c.failed) * 1000) / elapsedMs : 0 };
}
