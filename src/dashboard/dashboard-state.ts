import type { ExecutionEvent, OperationCounts } from '../streams/execution-event.js';
import type { QueueDepth } from '../streams/queue-depth.js';
import type { DashboardFrame, DashboardHeader } from './dashboard-frame.js';
import { FailureGroups, firstLine } from './failure-groups.js';
import { OperationTable, rate } from './operation-table.js';
import { ThroughputSeries } from './throughput-series.js';
import { WorkerTable } from './worker-table.js';

/** Bounds of the state: none of them depends on the number of tasks. */
export const LIMITS = {
  seconds: 3600,
  minutes: 7 * 24 * 60,
  failureGroups: 200,
  workers: 1000,
  operations: 1000,
  stackChars: 8000,
  lineChars: 300,
  rateWindowSecs: 10,
} as const;

/**
 * The engine's running counts per operation, when the dashboard can read them: `undefined` until
 * the run has started. @internal
 */
export type CountsSource = () => ReadonlyMap<string, Readonly<OperationCounts>> | undefined;

/**
 * The dashboard's aggregation of an execution: counters per operation, failures grouped by error,
 * workers, and the throughput in 1-second and 1-minute buckets. The counts come from the events
 * (a few counter updates each), or, given `counts`, from the engine's own counters copied once a
 * second, so that the events of tasks that succeed cost nothing here. `tick` (once a second)
 * closes a bucket; `frame` builds a full state or the delta since the last frame. Memory is
 * bounded by {@link LIMITS}. @internal
 *
 * @example
 * ```text
 * const state = new DashboardState(() => Date.now());
 * events.subscribe((e) => state.add(e));
 * setInterval(() => { state.tick(); send(state.frame(false)); }, 1000);
 * ```
 */
export class DashboardState {
  private executionId = '';
  private queue = '';
  private status = 'waiting';
  private error: string | null = null;
  private startedAt: number;
  private endedAt: number | null = null;
  private readonly ops = new OperationTable(LIMITS.operations, LIMITS.rateWindowSecs);
  private readonly series = new ThroughputSeries(LIMITS.seconds, LIMITS.minutes);
  private readonly failures = new FailureGroups(LIMITS.failureGroups, LIMITS.stackChars, LIMITS.lineChars);
  private readonly workers = new WorkerTable(LIMITS.workers);
  private lastCheckpoint: DashboardHeader['lastCheckpoint'] = null;
  private queueDepth: DashboardHeader['queueDepth'] = null;
  private seq = 0;
  /** Whether the events are counted (no engine counters to read). */
  private readonly counting: boolean;

  constructor(
    private readonly now: () => number,
    private readonly counts?: CountsSource,
  ) {
    this.startedAt = now();
    this.counting = counts === undefined;
  }

  /** Takes in one event. */
  add(event: ExecutionEvent): void {
    switch (event.type) {
      case 'task_succeeded':
        if (this.counting) this.ops.count('succeeded', event.operationName);
        if (event.outcome.worker !== undefined) this.workers.see(event.outcome.worker, true, this.now());
        return;
      case 'task_submitted':
      case 'task_skipped':
        if (this.counting)
          this.ops.count(event.type === 'task_submitted' ? 'submitted' : 'skipped', event.operationName);
        return;
      case 'task_retried':
        if (this.counting) this.ops.count('retried', event.operationName);
        if (event.error.worker !== undefined) this.workers.see(event.error.worker, false, this.now());
        return;
      case 'task_failed':
        if (this.counting) this.ops.count('failed', event.operationName);
        this.failures.add(event.operationName, event.taskId, event.error, this.now());
        if (event.error.worker !== undefined) this.workers.see(event.error.worker, false, this.now());
        return;
      case 'execution_started':
        this.executionId = event.executionId;
        this.queue = event.queue;
        this.status = 'running';
        this.startedAt = this.now();
        return;
      case 'checkpoint_written':
        this.lastCheckpoint = { at: this.now(), completed: event.completed };
        return;
      case 'execution_completed':
        this.executionId = event.executionId;
        this.status = event.summary.failed > 0 ? 'completed with failures' : 'succeeded';
        this.endedAt = this.now();
        return;
      case 'flow_completed':
        return;
    }
  }

  /** The queue's depth, when it can tell. */
  setQueueDepth(depth: QueueDepth): void {
    this.queueDepth = { ...depth };
  }

  /** The run ended without `execution_completed`: it failed or was cancelled. */
  end(status: 'failed' | 'cancelled', error?: unknown): void {
    if (this.endedAt !== null) return;
    this.status = status;
    if (error !== undefined) {
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      this.error = firstLine(text, LIMITS.lineChars);
    }
    this.endedAt = this.now();
  }

  /** Closes the current 1-second bucket (and the minute's, when a minute has passed). */
  tick(): void {
    this.sync();
    const { done, failed } = this.ops.tick();
    this.series.close(this.now(), done, failed);
  }

  /** The whole state (`full`), or what changed since the last frame. */
  frame(full: boolean): DashboardFrame {
    this.sync();
    // Only deltas move the sequence: a full state is the state as of the last delta.
    const seq = full ? this.seq : ++this.seq;
    return {
      seq,
      full,
      header: this.header(),
      operations: this.ops.list(full, this.endedAt !== null),
      ...this.series.points(full),
      failures: this.failures.rows(full),
      otherFailures: this.failures.other,
      workers: this.workers.list(full),
    };
  }

  /** The number of the last frame made. */
  get lastSeq(): number {
    return this.seq;
  }

  /** Copies in the engine's counters, when they are read rather than counted. */
  private sync(): void {
    const counts = this.counts?.();
    if (counts !== undefined) this.ops.sync(counts);
  }

  private header(): DashboardHeader {
    const t = this.ops.total;
    const inFlight = t.submitted - t.succeeded - t.failed - t.retried;
    const ratePerSec = rate(this.ops.recent);
    const ended = this.endedAt !== null;
    return {
      executionId: this.executionId,
      queue: this.queue,
      status: this.status,
      error: this.error,
      startedAt: this.startedAt,
      elapsedMs: (this.endedAt ?? this.now()) - this.startedAt,
      ...t,
      inFlight,
      ratePerSec: ended ? 0 : ratePerSec,
      etaSecs: ended ? 0 : ratePerSec > 0 ? Math.ceil(inFlight / ratePerSec) : null,
      lastCheckpoint: this.lastCheckpoint,
      queueDepth: this.queueDepth,
    };
  }
}
