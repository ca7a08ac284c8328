import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { randomId } from '../flows/ids.js';
import { checkOptionKeys, type KnownOptions } from '../flows/option-keys.js';
import { MAX_TIMER_MS, type TaskOutcome } from '../flows/task.js';
import type { ExecutionQueue } from './execution-queue.js';
import type { TransientCondition } from './engine/retry-policy.js';

/** Options of `execute` and `execution`. */
export interface ExecuteOptions {
  /** Where tasks run. @default a new `LocalExecutionQueue` (in-process, in yield order) */
  readonly queue?: ExecutionQueue;
  /** The execution's id: letters, digits, `-` and `_`, at most 64. @default a random id */
  readonly executionId?: string;
  /** The most tasks handed to the queue in one `pushTasks` call. @default 1000 */
  readonly maxBatchLen?: number;
  /**
   * Backpressure: flows are not pulled further while this many tasks are submitted and not done,
   * so a flow that yields 10^6 tasks one by one never holds them all. @default 10000
   */
  readonly maxInFlight?: number;
  /** Whether a failed task fails the flows that wait on it (and so the execution). @default true */
  readonly raiseOnFailedTask?: boolean;
  /** Also treat these errors as transient (retried up to 40 times). @default none */
  readonly isTransient?: TransientCondition;
  /**
   * A checkpoint file: completed tasks are journaled there as they complete (within their turn
   * of the event loop) and skipped on a rerun. @default none
   */
  readonly checkpoint?: string;
  /** How often the checkpoint is flushed to disk (fsync), in milliseconds (at most 2147483647). @default 60000 */
  readonly checkpointIntervalMs?: number;
  /** Show progress on stderr. @default `process.stderr.isTTY` */
  readonly showProgress?: boolean;
  /**
   * Dry-run the flows first (see `dryRun`) so the progress bars have totals; flows that branch
   * on task results get estimates. When the dry run stops early (a flow threw on an `undefined`
   * result) or fails, a warning goes to stderr and the bars have no totals: the run itself goes
   * on. @default false
   */
  readonly estimateTotals?: boolean;
  /** Aborting it cancels the execution: `execute` rejects and running tasks see their signal fire. */
  readonly signal?: AbortSignal;
  /**
   * Serve a live page of the run (progress, throughput, failures, workers) on 127.0.0.1 and print
   * its URL (with its token) to stderr: `true` on any free port, or `{ port, host }`. The page keeps
   * the final state once the run ends. @default false
   */
  readonly dashboard?: boolean | DashboardSetting;
  /** The scheduler every timer uses (retry backoff, progress, checkpoints). @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
  /**
   * Outcomes of tasks completed in an earlier run, by task id: those tasks are not run again.
   * @internal set by checkpoint loading
   */
  readonly completed?: ReadonlyMap<string, TaskOutcome>;
}

/** Where the dashboard of `execute` listens. */
export interface DashboardSetting {
  /** The port; 0 takes any free one. @default 0 */
  readonly port?: number;
  /** The address to bind: another than the loopback only with a reason. @default '127.0.0.1' */
  readonly host?: string;
}

/** The options with every default applied. @internal */
export interface ResolvedOptions {
  readonly queue: ExecutionQueue | undefined;
  readonly executionId: string;
  readonly maxBatchLen: number;
  readonly maxInFlight: number;
  readonly raiseOnFailedTask: boolean;
  readonly isTransient: TransientCondition | undefined;
  readonly checkpoint: string | undefined;
  readonly checkpointIntervalMs: number;
  readonly showProgress: boolean;
  readonly estimateTotals: boolean;
  readonly signal: AbortSignal | undefined;
  readonly scheduler: SchedulerLike;
  readonly completed: ReadonlyMap<string, TaskOutcome> | undefined;
  /** Where to serve the dashboard, when asked for. */
  readonly dashboard: DashboardSetting | undefined;
  /** False when no one reads per-task events (`execute` without progress or checkpoint). */
  readonly taskEvents?: boolean;
}

const EXECUTION_ID = /^[A-Za-z0-9_-]{1,64}$/;

const KNOWN: KnownOptions<ExecuteOptions> = {
  queue: true,
  executionId: true,
  maxBatchLen: true,
  maxInFlight: true,
  raiseOnFailedTask: true,
  isTransient: true,
  checkpoint: true,
  checkpointIntervalMs: true,
  showProgress: true,
  estimateTotals: true,
  signal: true,
  scheduler: true,
  completed: true,
  dashboard: true,
};

/** Validates the options once, naming the option and the value at fault. @internal */
export function resolveOptions(options: ExecuteOptions = {}, owner = 'execute'): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${owner}: options must be an object, received ${String(options)}`);
  }
  checkOptionKeys(owner, options, KNOWN);
  const fail = (name: string, expected: string, value: unknown): never => {
    throw new TypeError(`${owner}: option '${name}' must be ${expected}, received ${show(value)}`);
  };
  const { queue } = options;
  if (
    queue !== undefined &&
    (typeof queue !== 'object' ||
      queue === null ||
      typeof queue.pushTasks !== 'function' ||
      typeof queue.outcomes !== 'function')
  ) {
    fail('queue', 'an ExecutionQueue (with pushTasks and outcomes methods)', queue);
  }
  const executionId = options.executionId ?? randomId('exec').slice(0, 41);
  if (typeof executionId !== 'string' || !EXECUTION_ID.test(executionId)) {
    fail('executionId', 'letters, digits, - and _ (1 to 64 of them)', executionId);
  }
  const positiveInt = (name: keyof ExecuteOptions, fallback: number, allowInfinity = false): number => {
    const value = options[name] ?? fallback;
    const ok =
      typeof value === 'number' && ((Number.isInteger(value) && value >= 1) || (allowInfinity && value === Infinity));
    return ok ? (value as number) : fail(name, 'a whole number >= 1', value);
  };
  const boolean = (name: keyof ExecuteOptions, fallback: boolean): boolean => {
    const value = options[name] ?? fallback;
    return typeof value === 'boolean' ? value : fail(name, 'true or false', value);
  };
  const checkpointIntervalMs = options.checkpointIntervalMs ?? 60_000;
  // A scheduler's timer holds at most MAX_TIMER_MS: longer, Node fires it at once, on every turn.
  if (
    typeof checkpointIntervalMs !== 'number' ||
    !(checkpointIntervalMs > 0) ||
    !(checkpointIntervalMs <= MAX_TIMER_MS)
  ) {
    fail('checkpointIntervalMs', `a number > 0 and at most ${MAX_TIMER_MS} (about 24.8 days)`, checkpointIntervalMs);
  }
  if (options.checkpoint !== undefined && (typeof options.checkpoint !== 'string' || options.checkpoint === '')) {
    fail('checkpoint', 'a file path', options.checkpoint);
  }
  if (options.isTransient !== undefined && typeof options.isTransient !== 'function') {
    fail('isTransient', 'a function', options.isTransient);
  }
  const { signal, scheduler } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) fail('signal', 'an AbortSignal', signal);
  if (scheduler !== undefined && (typeof scheduler?.schedule !== 'function' || typeof scheduler.now !== 'function')) {
    fail('scheduler', 'an RxJS SchedulerLike', scheduler);
  }
  return {
    dashboard: dashboardSetting(options.dashboard, fail),
    queue,
    executionId,
    maxBatchLen: positiveInt('maxBatchLen', 1000),
    maxInFlight: positiveInt('maxInFlight', 10_000, true),
    raiseOnFailedTask: boolean('raiseOnFailedTask', true),
    isTransient: options.isTransient,
    checkpoint: options.checkpoint,
    checkpointIntervalMs,
    showProgress: boolean('showProgress', process.stderr.isTTY === true),
    estimateTotals: boolean('estimateTotals', false),
    signal,
    scheduler: scheduler ?? asyncScheduler,
    completed: options.completed,
  };
}

function dashboardSetting(
  value: ExecuteOptions['dashboard'],
  fail: (name: string, expected: string, value: unknown) => never,
): DashboardSetting | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return {};
  const expected = 'true, false or { port, host }';
  if (typeof value !== 'object' || value === null) return fail('dashboard', expected, value);
  for (const key of Object.keys(value)) if (key !== 'port' && key !== 'host') fail('dashboard', expected, value);
  const { port, host } = value;
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    fail('dashboard.port', 'a whole number from 0 to 65535', port);
  }
  if (host !== undefined && (typeof host !== 'string' || host === ''))
    fail('dashboard.host', 'a host name or address', host);
  return { ...(port === undefined ? {} : { port }), ...(host === undefined ? {} : { host }) };
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return value.constructor?.name ?? 'object';
  return String(value);
}
