import { checkOptionKeys, type KnownOptions } from '../../../flows/option-keys.js';
import type { SpanParent } from './worker-telemetry.js';
import type { SerializedError } from '../../../flows/serialized-error.js';
import { checkResources, type ResourceUse } from '../../../flows/resources.js';
import type { SqsExecutionQueue } from '../orchestrator/sqs-execution-queue.js';
import { buildIdOf, outageBudget, wholeNumber } from '../sqs-option-checks.js';
import type { SqsCallRetried } from '../calls/sqs-retry.js';

/**
 * Why a worker stopped taking tasks.
 *
 * @example
 * ```ts
 * import { runWorker, type WorkerStopReason } from 'mazepa/sqs';
 * const reason: WorkerStopReason = (await runWorker({ queue, idleTimeoutMs: 60_000 })).stoppedBy;
 * ```
 */
export type WorkerStopReason = 'signal' | 'maxRuntime' | 'idleTimeout' | 'error';

/**
 * What a worker did, once it has stopped.
 *
 * @example
 * ```ts
 * import { runWorker, type WorkerSummary } from 'mazepa/sqs';
 * const summary: WorkerSummary = await runWorker({ queue, maxRuntimeMs: 3_600_000 });
 * console.log(`${summary.succeeded} succeeded, ${summary.failed} failed`);
 * ```
 */
export interface WorkerSummary {
  /** Tasks run that succeeded. */
  readonly succeeded: number;
  /** Tasks run that failed (their error was sent back). */
  readonly failed: number;
  /**
   * Messages not run: undecodable, wrongly signed, unknown operation, foreign reply address, or
   * needing more of a resource than `resourceLimits` allows.
   */
  readonly rejected: number;
  readonly stoppedBy: WorkerStopReason;
  readonly durationMs: number;
}

/**
 * What a worker reports as it goes: one discriminated union on `type`.
 *
 * @example
 * ```ts
 * import { runWorker, type WorkerEvent } from 'mazepa/sqs';
 * const onEvent = (e: WorkerEvent) => {
 *   if (e.type === 'message_rejected') console.error(`not run: ${e.reason}`);
 * };
 * await runWorker({ queue, onEvent });
 * ```
 */
export type WorkerEvent =
  | { readonly type: 'worker_started'; readonly queueName: string; readonly concurrency: number }
  | {
      readonly type: 'task_started';
      readonly taskId: string;
      readonly operationName: string;
      readonly executionId: string;
      readonly attempt: number;
    }
  | {
      /** The task has run; said before its outcome is sent (and before the next task of its slot starts). */
      readonly type: 'task_finished';
      readonly taskId: string;
      readonly operationName: string;
      readonly executionId: string;
      readonly attempt: number;
      readonly failed: boolean;
      readonly executionSecs: number;
      /** Why the task failed (name, message, stack), when it did. */
      readonly error?: SerializedError;
    }
  | {
      /** A task of an execution that has ended (its outcome queue is gone): deleted, not run. */
      readonly type: 'task_dropped';
      readonly taskId: string;
      /** `undefined` when the task's message is in the payload bucket: it is dropped unread. */
      readonly operationName: string | undefined;
      readonly executionId: string;
      readonly attempt: number;
    }
  | {
      /**
       * A task whose message came back `receiveCount` times (the queue's `maxReceiveCount`)
       * without an outcome, its workers dead on it each time: failed back with a
       * `WorkerLostError`, not run again.
       */
      readonly type: 'task_lost';
      readonly taskId: string;
      readonly operationName: string;
      readonly executionId: string;
      readonly attempt: number;
      readonly receiveCount: number;
    }
  | {
      /**
       * Messages made visible again at once, not run: received by the last long poll of a
       * stopping worker (`stopping`; SQS may hand messages to a poll whose connection was cut,
       * so a stopping worker lets it end), or tasks of another build (`build`).
       */
      readonly type: 'messages_returned';
      readonly count: number;
      readonly reason: 'stopping' | 'build';
    }
  | {
      /**
       * Tasks of another build than this worker's are given back (made visible again at once) for
       * a worker of that build: said once per build.
       */
      readonly type: 'build_refused';
      readonly taskBuild: string;
      readonly workerBuild: string | undefined;
      readonly taskId: string;
      readonly executionId: string;
    }
  | {
      readonly type: 'message_rejected';
      readonly messageId: string;
      readonly taskId: string | undefined;
      readonly reason: string;
      /** Whether a failed outcome was sent back (else the message is left to the dead-letter queue). */
      readonly reported: boolean;
    }
  | { readonly type: 'worker_error'; readonly error: unknown }
  /** An SQS call failed with a transient error and is tried again: the worker keeps going. */
  | SqsCallRetried
  | { readonly type: 'worker_stopping'; readonly reason: WorkerStopReason; readonly running: number }
  | { readonly type: 'worker_stopped'; readonly summary: WorkerSummary };

/**
 * Options of {@link runWorker}.
 *
 * @example
 * ```ts
 * import { SqsExecutionQueue, runWorker, type RunWorkerOptions } from 'mazepa/sqs';
 * const options: RunWorkerOptions = { queue: new SqsExecutionQueue({ queueName: 'mazepa-tasks' }), concurrency: 4 };
 * await runWorker(options);
 * ```
 */
export interface RunWorkerOptions {
  /** The queue to take tasks from. */
  readonly queue: SqsExecutionQueue;
  /** Tasks run at once; a new one is received as soon as one finishes. @default 1 */
  readonly concurrency?: number;
  /**
   * Stop taking tasks after this many milliseconds (running ones finish); any length, even past
   * the 24.8 days of one Node timer. @default no limit
   */
  readonly maxRuntimeMs?: number;
  /** Stop after this many milliseconds with no task running or received. @default no limit */
  readonly idleTimeoutMs?: number;
  /** Aborting it stops taking tasks; running ones finish, then `runWorker` resolves. */
  readonly signal?: AbortSignal;
  /** Called with each {@link WorkerEvent}. @default none */
  readonly onEvent?: (event: WorkerEvent) => void;
  /**
   * Units of named resources that this worker's tasks may use at once (e.g. `{ gpu: 1 }`), counted
   * from the `resources` their operations declare. A task that waits for a resource holds its
   * slot (its message stays hidden by the heartbeat); route scarce-resource operations to a queue
   * of their own (`workerType`) so they do not hold the slots of others. When the worker stops,
   * tasks still waiting are given back to the queue at once. @default no limits
   */
  readonly resourceLimits?: ResourceUse;
  /**
   * How long an SQS call may keep failing with transient errors (throttling, 5xx, timeouts,
   * connection resets) before the worker gives up: until then it is retried with backoff and
   * reported (`call_retried`). A receive that fails for longer stops the worker with an
   * `SqsQueueError` naming the queue, the call and how long it failed; an outcome send or delete
   * that does, leaves its message to be redelivered. `Infinity`: never give up.
   * @default the queue's `maxOutageMs` (5 minutes)
   */
  readonly maxOutageMs?: number;
  /**
   * This worker's build (see `SqsExecutionQueue`'s `buildId`): it runs only tasks of this build
   * (and those of runs without one); a task of another build is made visible again at once for
   * a worker of that build, and its run is told. @default the queue's `buildId` (`MAZEPA_BUILD_ID`)
   */
  readonly buildId?: string;
  /**
   * With an OpenTelemetry SDK registered: how each task's `process` span relates to the `send`
   * span of the run that pushed it. `'link'` starts a new trace linked to it (the messaging
   * conventions' default, and what keeps a run of a million tasks from being one trace);
   * `'parent'` makes it the sender's child, one trace per run (for small runs). @default 'link'
   */
  readonly spanParent?: SpanParent;
}

/** @internal The options checked, with defaults applied. */
export interface ResolvedWorkerOptions {
  readonly queue: SqsExecutionQueue;
  readonly concurrency: number;
  readonly maxRuntimeMs: number | undefined;
  readonly idleTimeoutMs: number | undefined;
  readonly signal: AbortSignal | undefined;
  readonly onEvent: (event: WorkerEvent) => void;
  readonly resourceLimits: ResourceUse | undefined;
  readonly maxOutageMs: number | undefined;
  readonly buildId: string | undefined;
  readonly spanParent: SpanParent;
}

const OWNER = 'runWorker';

const KNOWN: KnownOptions<RunWorkerOptions> = {
  queue: true,
  concurrency: true,
  maxRuntimeMs: true,
  idleTimeoutMs: true,
  signal: true,
  onEvent: true,
  resourceLimits: true,
  maxOutageMs: true,
  buildId: true,
  spanParent: true,
};

/** @internal Checks the options of {@link runWorker} once. */
export function resolveWorkerOptions(options: RunWorkerOptions): ResolvedWorkerOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${OWNER}: options must be an object with 'queue', received ${String(options)}`);
  }
  checkOptionKeys(OWNER, options, KNOWN);
  const queue = options?.queue as unknown;
  if (typeof queue !== 'object' || queue === null || typeof (queue as { connect?: unknown }).connect !== 'function') {
    throw new TypeError(`${OWNER}: option 'queue' must be an SqsExecutionQueue, received ${String(queue)}`);
  }
  const { signal, onEvent } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`${OWNER}: option 'signal' must be an AbortSignal, received ${String(signal)}`);
  }
  if (onEvent !== undefined && typeof onEvent !== 'function') {
    throw new TypeError(`${OWNER}: option 'onEvent' must be a function, received ${typeof onEvent}`);
  }
  const spanParent = options.spanParent ?? 'link';
  if (spanParent !== 'link' && spanParent !== 'parent') {
    throw new TypeError(`${OWNER}: option 'spanParent' must be 'link' or 'parent', received ${String(spanParent)}`);
  }
  return {
    spanParent,
    queue: options.queue,
    concurrency: wholeNumber('concurrency', options.concurrency ?? 1, 1, 10_000, OWNER),
    maxRuntimeMs: optionalMs('maxRuntimeMs', options.maxRuntimeMs),
    idleTimeoutMs: optionalMs('idleTimeoutMs', options.idleTimeoutMs),
    signal,
    buildId: options.buildId === undefined ? undefined : buildIdOf(OWNER, options.buildId),
    maxOutageMs: options.maxOutageMs === undefined ? undefined : outageBudget(options.maxOutageMs, OWNER),
    resourceLimits:
      options.resourceLimits === undefined
        ? undefined
        : checkResources(OWNER, 'resourceLimits', options.resourceLimits),
    // A listener that throws must not stop the worker.
    onEvent:
      onEvent === undefined
        ? () => undefined
        : (event) => {
            try {
              onEvent(event);
            } catch {
              // ignored on purpose
            }
          },
  };
}

function optionalMs(option: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new TypeError(
      `${OWNER}: option '${option}' must be a number of milliseconds >= 0, received ${String(value)}`,
    );
  }
  return value;
}
