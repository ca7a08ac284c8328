/**
 * The public API of mazepa: tasks, flows, execution, the local and thread queues, the codec and
 * the errors. Everything not listed here is internal.
 *
 * @module mazepa
 */

// Tasks and operations
export { Task, type TaskInit, type TaskOutcome, type TaskRunOptions, type TaskStatus } from './flows/task.js';
export {
  taskableOperation,
  type TaskableOperation,
  type TaskableOperationOptions,
} from './flows/taskable-operation.js';
export {
  taskableOperationCls,
  type OperationClass,
  type TaskableClass,
  type TaskableInstance,
} from './flows/taskable-operation-cls.js';
export { taskContext, type TaskContext } from './flows/task-context.js';
export type { LostTask, SerializedError, WorkerAddress } from './flows/serialized-error.js';
export type { WorkerFacts } from './flows/worker-facts.js';

// Flows and dependencies
export {
  Flow,
  type FlowGenerator,
  type FlowInit,
  type FlowOutcome,
  type FlowStatus,
  type Startable,
  type Yieldable,
} from './flows/flow.js';
export { Dependency, type DependencyTarget } from './flows/dependency.js';
export { all, type ResultOf } from './flows/all.js';
export { flowSchema, type FlowSchema, type FlowSchemaOptions, type GeneratorReturn } from './flows/flow-schema.js';
export {
  flowSchemaCls,
  type FlowSchemaClass,
  type FlowSchemaClassOf,
  type FlowSchemaInstance,
} from './flows/flow-schema-cls.js';
export { concurrentFlow, sequentialFlow, type Stage } from './flows/stages.js';
export { observableFlow, type ObservableFlowOptions } from './flows/observable-flow.js';

// Values that travel
export {
  CodecError,
  decodeFromString,
  decodeValue,
  encodeToString,
  encodeValue,
  registerClass,
  type CodecErrorOptions,
  type DecodeFromStringOptions,
  type Encoded,
  type RegisterClassOptions,
} from './flows/codec/index.js';

// Execution
export { execute, execution, type ExecutionTarget } from './execute.js';
export type { DashboardSetting, ExecuteOptions } from './streams/execute-options.js';
export { serveDashboard, type DashboardOptions, type DashboardServer } from './dashboard/serve-dashboard.js';
export type {
  DashboardFrame,
  DashboardHeader,
  FailureGroup,
  OperationRow,
  SeriesPoints,
  WorkerRow,
} from './dashboard/dashboard-frame.js';
export type {
  ExecutionEvent,
  ExecutionEventType,
  ExecutionSummary,
  OperationCounts,
} from './streams/execution-event.js';
export {
  progress,
  type OperationProgress,
  type ProgressOptions,
  type ProgressSnapshot,
} from './streams/progress/progress.js';
export { TRANSIENT_RETRY_LIMIT, type TransientCondition } from './streams/engine/retry-policy.js';

// Operating long runs: checkpoints, dry run
export { CheckpointError } from './streams/checkpoint/checkpoint-error.js';
export { dryRun, type DryRunResult, type DryRunStop } from './streams/engine/dry-run.js';
export { flowEmissions } from './streams/engine/flow-emissions.js';
export type { ResourceUse } from './flows/resources.js';

// Queues
export type { ExecutionQueue, OutcomeReport } from './streams/execution-queue.js';
export type { PreviousRun, QueueAttachment } from './streams/queue-attachment.js';
export type { QueueDepth } from './streams/queue-depth.js';
export { LocalExecutionQueue, type LocalExecutionQueueOptions } from './adapters/local/local-execution-queue.js';

// Worker threads
export { ThreadExecutionQueue } from './adapters/threads/thread-execution-queue.js';
export type { ThreadExecutionQueueOptions } from './adapters/threads/thread-execution-queue-options.js';

// Errors
export {
  MazepaCancelledError,
  MazepaError,
  MazepaExecutionFailure,
  MazepaTimeoutError,
  TransientError,
  WorkerLostError,
  type MazepaErrorOptions,
  type WorkerLostErrorOptions,
} from './flows/errors.js';
