/**
 * The `mazepa/sqs` entry point: remote execution on AWS SQS.
 *
 * @module mazepa/sqs
 */

// The queue and its workers
export { SqsExecutionQueue } from './adapters/sqs/orchestrator/sqs-execution-queue.js';
export type { SqsExecutionQueueOptions } from './adapters/sqs/orchestrator/sqs-options.js';
export type { SqsQueueEvent } from './adapters/sqs/orchestrator/queue-events.js';
export { runWorker } from './adapters/sqs/worker/run-worker.js';
export type {
  RunWorkerOptions,
  WorkerEvent,
  WorkerStopReason,
  WorkerSummary,
} from './adapters/sqs/worker/worker-options.js';
export type { SpanParent } from './adapters/sqs/worker/worker-telemetry.js';
export { TaskRouter, type TaskRouterOptions } from './adapters/sqs/orchestrator/task-router.js';
export { SqsQueueError } from './adapters/sqs/calls/sqs-error.js';
export { S3CallError } from './adapters/sqs/calls/s3-call-error.js';
export type { SqsCallRetried } from './adapters/sqs/calls/sqs-retry.js';
export { PayloadError } from './adapters/sqs/payloads/payload-error.js';

// Looking after the queues: outcome queues and payloads of dead runs, the dead-letter queue
export { inspectQueues, type QueueReport } from './adapters/sqs/admin/queue-inventory.js';
export type { OutcomeQueueInfo, OutcomeQueueState } from './adapters/sqs/admin/outcome-queue-info.js';
export type { DeadLetterInfo } from './adapters/sqs/calls/dead-letter-queue.js';
export type { QueueDepth } from './adapters/sqs/calls/queue-depth.js';
export { deleteOrphanPayloads, deleteOrphanQueues } from './adapters/sqs/admin/orphan-cleanup.js';
export type { PayloadPrefixInfo, PayloadRunState } from './adapters/sqs/admin/payload-inventory.js';
export { redriveDeadLetters, type RedriveOptions } from './adapters/sqs/admin/dead-letter-redrive.js';
export type { QueueAdminOptions } from './adapters/sqs/admin/queue-admin-options.js';
export { cancelExecution, type CancelExecutionOptions } from './adapters/sqs/admin/cancel-execution.js';

// Messages
export {
  decodeTaskArgs,
  decodeTaskEnvelope,
  encodeTaskEnvelope,
  taskEnvelopeOf,
  type EnvelopeOptions,
  type TaskEnvelope,
} from './adapters/remote/envelope.js';
export {
  decodeOutcomeEnvelope,
  encodeOutcomeEnvelope,
  type DecodedOutcome,
  type OutcomeEnvelope,
} from './adapters/remote/envelope-outcome.js';
export { EnvelopeError } from './adapters/remote/envelope-error.js';
export type { SigningKey } from './adapters/remote/envelope-signing.js';
export { ENVELOPE_VERSION, MAX_MESSAGE_BYTES } from './adapters/remote/envelope-text.js';
