/**
 * The attribute names mazepa's spans and metrics use: the OpenTelemetry semantic conventions
 * for messaging (v1.27.0 onwards: `messaging.operation.type`, `messaging.operation.name`), for
 * errors (`error.type`), and mazepa's own under `mazepa.`.
 *
 * @internal
 */
export const ATTR = {
  messagingSystem: 'messaging.system',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  destination: 'messaging.destination.name',
  batchCount: 'messaging.batch.message_count',
  messageId: 'messaging.message.id',
  errorType: 'error.type',
  executionId: 'mazepa.execution.id',
  queueName: 'mazepa.queue.name',
  taskId: 'mazepa.task.id',
  mazepaOperation: 'mazepa.operation.name',
  attempt: 'mazepa.task.attempt',
  outcome: 'mazepa.task.outcome',
} as const;

/** The `messaging.system` of SQS, as the conventions name it. @internal */
export const AWS_SQS = 'aws_sqs';

/** The instrumentation scope of every tracer and meter mazepa makes. @internal */
export const SCOPE = 'mazepa';
