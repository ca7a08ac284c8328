import type { SqsConnection } from '../calls/sqs-connection.js';
import type { BuildRefusals } from './build-refusals.js';
import type { FactsReporter } from './facts-reporter.js';
import type { OutcomeQueues } from './outcome-queues.js';
import type { ReplyGate } from './reply-gate.js';
import type { TaskMessages } from './task-messages.js';
import type { VisibilityHeartbeat } from './visibility-heartbeat.js';
import type { WaitingLimiter } from './waiting-limiter.js';
import type { WorkerEvent } from './worker-options.js';
import type { WorkerSlots } from './worker-slots.js';
import type { WorkerTelemetry } from './worker-telemetry.js';

/** @internal The counts of a worker's summary, as they go. */
export interface WorkerCounts {
  succeeded: number;
  failed: number;
  rejected: number;
}

/**
 * @internal What the parts of one worker share: its connection, its state and its way out for
 * messages and outcomes. Made once by `SqsWorker`; each task's path (`task-dispatch.ts`,
 * `task-run.ts`) works through it.
 */
export interface WorkerParts {
  readonly queue: SqsConnection;
  /** The worker's `onEvent`. */
  readonly onEvent: (event: WorkerEvent) => void;
  readonly slots: WorkerSlots;
  /** Keeps the messages held hidden while their tasks wait and run. */
  readonly heartbeat: VisibilityHeartbeat;
  /** What is known of the outcome queues replied to: a task whose queue is gone is not run. */
  readonly outcomeQueues: OutcomeQueues;
  readonly resources: WaitingLimiter;
  /** At most one task per slot ahead of the outcomes heard to arrive, per run. */
  readonly gate: ReplyGate;
  readonly messages: TaskMessages;
  /** Spans and metrics, when `@opentelemetry/api` is installed. */
  readonly telemetry: WorkerTelemetry | undefined;
  /** What the outcomes say of this worker, when their orchestrator reads it. */
  readonly facts: FactsReporter;
  /** The build of this worker's code: tasks of another build are given back. */
  readonly buildId: string | undefined;
  readonly builds: BuildRefusals;
  readonly counts: WorkerCounts;
}
