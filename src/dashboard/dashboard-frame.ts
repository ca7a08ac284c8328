/**
 * What the dashboard sends to a page: the whole state on connect (`full`), then deltas at most
 * once a second. Sizes are bounded: nothing in a frame grows with the number of tasks.
 */

/** The run as a whole. */
export interface DashboardHeader {
  readonly executionId: string;
  readonly queue: string;
  /** `running`, then `succeeded`, `completed with failures`, `failed` or `cancelled`. */
  readonly status: string;
  /** The error that ended the run, when it failed. */
  readonly error: string | null;
  /** Epoch milliseconds when the dashboard saw the run start. */
  readonly startedAt: number;
  readonly elapsedMs: number;
  readonly submitted: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly skipped: number;
  readonly retried: number;
  readonly inFlight: number;
  /** Tasks done (succeeded or failed) per second over the last 10 seconds. */
  readonly ratePerSec: number;
  /** Seconds until the tasks submitted so far are done, at that rate; null when unknown. */
  readonly etaSecs: number | null;
  /** The last checkpoint write: when (epoch ms) and how many tasks it held. */
  readonly lastCheckpoint: { readonly at: number; readonly completed: number } | null;
  /** Where the queue's messages are, when the queue can tell. */
  readonly queueDepth: {
    readonly waiting: number;
    readonly inFlight: number;
    readonly delayed: number;
    readonly deadLetters?: number;
  } | null;
}

/** One row of the operations table. */
export interface OperationRow {
  readonly name: string;
  readonly submitted: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly skipped: number;
  readonly retried: number;
  readonly inFlight: number;
  /** Done per second over the last 10 seconds. */
  readonly ratePerSec: number;
}

/** Failures that share an operation, an error name and the first line of their message. */
export interface FailureGroup {
  readonly key: string;
  readonly operationName: string;
  readonly errorName: string;
  readonly firstLine: string;
  readonly count: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
  /** The stack of the first failure of the group (truncated). */
  readonly sampleStack: string;
  /** The task of that first failure. */
  readonly sampleTaskId: string;
}

/** A worker, as seen on the outcomes it sent back. */
export interface WorkerRow {
  readonly key: string;
  readonly host: string;
  readonly pid: number;
  /** Outcomes of this run it sent back (succeeded or failed). */
  readonly done: number;
  /** Of those, the failures (and attempts that failed and were retried). */
  readonly failed: number;
  /** Tasks it was running when it sent its last outcome, when it reports them. */
  readonly running: number | null;
  /** Epoch milliseconds of its last outcome. */
  readonly lastSeen: number;
  /** Resident memory in bytes, when the worker reports it. */
  readonly rssBytes: number | null;
  /** Tasks it finished since it started, for every run, when it reports them. */
  readonly totalDone: number | null;
}

/** Points of the throughput chart: epoch seconds, done and failed in that bucket. */
export interface SeriesPoints {
  readonly t: number[];
  readonly done: number[];
  readonly failed: number[];
}

/** One message to a page. */
export interface DashboardFrame {
  readonly seq: number;
  /** True: replace everything. False: merge (rows by name or key; points appended). */
  readonly full: boolean;
  readonly header: DashboardHeader;
  readonly operations: OperationRow[];
  /** 1-second buckets (the last hour). */
  readonly seconds: SeriesPoints;
  /** 1-minute buckets (the whole run, up to a week). */
  readonly minutes: SeriesPoints;
  readonly failures: FailureGroup[];
  /** Failures beyond the bounded number of groups, counted only. */
  readonly otherFailures: number;
  readonly workers: WorkerRow[];
}
