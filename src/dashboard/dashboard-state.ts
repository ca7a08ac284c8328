import type { ExecutionEvent } from '../streams/execution-event.js';
import type { QueueDepth } from '../streams/queue-depth.js';
import type {
  DashboardFrame,
  DashboardHeader,
  FailureGroup,
  OperationRow,
  SeriesPoints,
  WorkerRow,
} from './dashboard-frame.js';
import { RingBuffer } from './ring-buffer.js';

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

interface OpCounts {
  submitted: number;
  succeeded: number;
  failed: number;
  skipped: number;
  retried: number;
  /** Done in the seconds of the rate window: one ring slot per tick. */
  readonly recent: RingBuffer;
  doneThisTick: number;
}

class Series {
  readonly t: RingBuffer;
  readonly done: RingBuffer;
  readonly failed: RingBuffer;
  constructor(capacity: number) {
    this.t = new RingBuffer(capacity);
    this.done = new RingBuffer(capacity);
    this.failed = new RingBuffer(capacity);
  }
  push(t: number, done: number, failed: number): void {
    this.t.push(t);
    this.done.push(done);
    this.failed.push(failed);
  }
  points(since: number): SeriesPoints {
    return { t: this.t.toArray(since), done: this.done.toArray(since), failed: this.failed.toArray(since) };
  }
}

/**
 * The dashboard's aggregation of an execution's events: counters per operation, failures grouped
 * by error, workers, and the throughput in 1-second and 1-minute buckets. `add` costs a few
 * counter updates per event; `tick` (once a second) closes a bucket; `frame` builds a full state
 * or the delta since the last frame. Memory is bounded by {@link LIMITS}. @internal
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
  private readonly ops = new Map<string, OpCounts>();
  private lastName: string | undefined;
  private last: OpCounts | undefined;
  private readonly total = { submitted: 0, succeeded: 0, failed: 0, skipped: 0, retried: 0 };
  private doneThisTick = 0;
  private failedThisTick = 0;
  private readonly recentDone = new RingBuffer(LIMITS.rateWindowSecs);
  private readonly seconds = new Series(LIMITS.seconds);
  private readonly minutes = new Series(LIMITS.minutes);
  private minuteStart: number | null = null;
  private minuteDone = 0;
  private minuteFailed = 0;
  private readonly failures = new Map<string, { -readonly [K in keyof FailureGroup]: FailureGroup[K] }>();
  private otherFailures = 0;
  private readonly workers = new Map<string, { -readonly [K in keyof WorkerRow]: WorkerRow[K] }>();
  private lastCheckpoint: DashboardHeader['lastCheckpoint'] = null;
  private queueDepth: DashboardHeader['queueDepth'] = null;
  private seq = 0;
  private readonly dirtyOps = new Set<string>();
  private readonly dirtyFailures = new Set<string>();
  private readonly dirtyWorkers = new Set<string>();
  private sentSeconds = 0;
  private sentMinutes = 0;

  constructor(private readonly now: () => number) {
    this.startedAt = now();
  }

  /** Counts one event. */
  add(event: ExecutionEvent): void {
    switch (event.type) {
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
    const op = this.op(event.operationName);
    switch (event.type) {
      case 'task_submitted':
        op.submitted++;
        this.total.submitted++;
        return;
      case 'task_succeeded':
        op.succeeded++;
        op.doneThisTick++;
        this.total.succeeded++;
        this.doneThisTick++;
        return;
      case 'task_skipped':
        op.skipped++;
        this.total.skipped++;
        return;
      case 'task_retried':
        op.retried++;
        this.total.retried++;
        return;
      case 'task_failed':
        op.failed++;
        op.doneThisTick++;
        this.total.failed++;
        this.doneThisTick++;
        this.failedThisTick++;
        this.addFailure(event.operationName, event.taskId, event.error);
        if (event.error.worker !== undefined) this.seeWorker(event.error.worker.host, event.error.worker.pid, false);
    }
  }

  /** A worker's outcome: one more task done (or failed) by it. */
  seeWorker(host: string, pid: number, succeeded: boolean, facts: { running?: number; rssBytes?: number } = {}): void {
    const key = `${host}:${pid}`;
    let row = this.workers.get(key);
    if (row === undefined) {
      if (this.workers.size >= LIMITS.workers) return;
      row = { key, host, pid, done: 0, failed: 0, running: null, lastSeen: 0, rssBytes: null };
      this.workers.set(key, row);
    }
    row.done++;
    if (!succeeded) row.failed++;
    row.lastSeen = this.now();
    if (facts.running !== undefined) row.running = facts.running;
    if (facts.rssBytes !== undefined) row.rssBytes = facts.rssBytes;
    this.dirtyWorkers.add(key);
  }

  /** The queue's depth, when it can tell. */
  setQueueDepth(depth: QueueDepth & { readonly deadLetters?: number }): void {
    this.queueDepth = { ...depth };
  }

  /** The run ended without `execution_completed`: it failed or was cancelled. */
  end(status: 'failed' | 'cancelled', error?: unknown): void {
    if (this.endedAt !== null) return;
    this.status = status;
    if (error !== undefined)
      this.error = firstLine(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    this.endedAt = this.now();
  }

  /** Closes the current 1-second bucket (and the minute's, when a minute has passed). */
  tick(): void {
    const now = this.now();
    const t = Math.floor(now / 1000);
    this.seconds.push(t, this.doneThisTick, this.failedThisTick);
    this.recentDone.push(this.doneThisTick);
    for (const [name, op] of this.ops) {
      if (op.doneThisTick > 0 || op.recent.length > 0) {
        op.recent.push(op.doneThisTick);
        if (op.doneThisTick > 0 || op.recent.toArray().some((n) => n > 0)) this.dirtyOps.add(name);
      }
      op.doneThisTick = 0;
    }
    const minute = Math.floor(now / 60_000) * 60;
    if (this.minuteStart !== null && minute !== this.minuteStart) {
      this.minutes.push(this.minuteStart, this.minuteDone, this.minuteFailed);
      this.minuteDone = 0;
      this.minuteFailed = 0;
    }
    this.minuteStart = minute;
    this.minuteDone += this.doneThisTick;
    this.minuteFailed += this.failedThisTick;
    this.doneThisTick = 0;
    this.failedThisTick = 0;
  }

  /** The whole state (`full`), or what changed since the last frame. */
  frame(full: boolean): DashboardFrame {
    // Only deltas move the sequence: a full state is the state as of the last delta.
    const seq = full ? this.seq : ++this.seq;
    const ops = full ? [...this.ops.keys()] : [...this.dirtyOps];
    const failures = full ? [...this.failures.keys()] : [...this.dirtyFailures];
    const workers = full ? [...this.workers.keys()] : [...this.dirtyWorkers];
    const frame: DashboardFrame = {
      seq,
      full,
      header: this.header(),
      operations: ops.map((name) => this.row(name)),
      seconds: this.seconds.points(full ? 0 : this.sentSeconds),
      minutes: this.minutes.points(full ? 0 : this.sentMinutes),
      failures: failures.map((key) => ({ ...this.failures.get(key)! })),
      otherFailures: this.otherFailures,
      workers: workers.map((key) => ({ ...this.workers.get(key)! })),
    };
    if (!full) {
      this.dirtyOps.clear();
      this.dirtyFailures.clear();
      this.dirtyWorkers.clear();
      this.sentSeconds = this.seconds.t.pushed;
      this.sentMinutes = this.minutes.t.pushed;
    }
    return frame;
  }

  /** The number of the last frame made. */
  get lastSeq(): number {
    return this.seq;
  }

  private header(): DashboardHeader {
    const t = this.total;
    const inFlight = t.submitted - t.succeeded - t.failed - t.retried;
    const ratePerSec = rate(this.recentDone);
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

  private row(name: string): OperationRow {
    const op = this.ops.get(name)!;
    return {
      name,
      submitted: op.submitted,
      succeeded: op.succeeded,
      failed: op.failed,
      skipped: op.skipped,
      retried: op.retried,
      inFlight: op.submitted - op.succeeded - op.failed - op.retried,
      ratePerSec: this.endedAt === null ? rate(op.recent) : 0,
    };
  }

  private op(name: string): OpCounts {
    // Events come in runs of one operation: the last one's counts are kept at hand.
    if (name === this.lastName) {
      this.dirtyOps.add(name);
      return this.last!;
    }
    let op = this.ops.get(name);
    if (op === undefined) {
      const key = this.ops.size >= LIMITS.operations ? '(other operations)' : name;
      op = this.ops.get(key);
      if (op === undefined) {
        op = {
          submitted: 0,
          succeeded: 0,
          failed: 0,
          skipped: 0,
          retried: 0,
          recent: new RingBuffer(LIMITS.rateWindowSecs),
          doneThisTick: 0,
        };
        this.ops.set(key, op);
      }
      name = key;
    }
    this.lastName = name;
    this.last = op;
    this.dirtyOps.add(name);
    return op;
  }

  private addFailure(
    operationName: string,
    taskId: string,
    error: { name: string; message: string; stack?: string },
  ): void {
    const line = firstLine(error.message);
    const key = `${operationName}\u0000${error.name}\u0000${line}`;
    const now = this.now();
    const group = this.failures.get(key);
    if (group !== undefined) {
      group.count++;
      group.lastSeen = now;
      this.dirtyFailures.add(key);
      return;
    }
    if (this.failures.size >= LIMITS.failureGroups) {
      this.otherFailures++;
      return;
    }
    this.failures.set(key, {
      key,
      operationName,
      errorName: error.name.slice(0, LIMITS.lineChars),
      firstLine: line,
      count: 1,
      firstSeen: now,
      lastSeen: now,
      sampleStack: (error.stack ?? `${error.name}: ${error.message}`).slice(0, LIMITS.stackChars),
      sampleTaskId: taskId,
    });
    this.dirtyFailures.add(key);
  }
}

function firstLine(text: string): string {
  const end = text.indexOf('\n');
  return (end < 0 ? text : text.slice(0, end)).slice(0, LIMITS.lineChars);
}

function rate(ring: RingBuffer): number {
  if (ring.length === 0) return 0;
  let sum = 0;
  for (const n of ring.toArray()) sum += n;
  return sum / ring.length;
}
