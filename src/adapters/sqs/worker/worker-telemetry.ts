/**
 * A worker's telemetry: a `process <queue>` span (CONSUMER) per task attempt, which starts a new
 * trace linked to the `send` span that pushed the task (or, with `spanParent: 'parent'`, is its
 * child), and the worker's own metrics: tasks run and their run times, receive calls and
 * messages deleted. Made only when `@opentelemetry/api` is installed; with no SDK registered
 * its spans are the API's no-op ones.
 */
import type { Context, Histogram, Span } from '@opentelemetry/api';
import type { SerializedError } from '../../../flows/serialized-error.js';
import type { TaskEnvelope } from '../../remote/envelope.js';
import { otelApi, type OtelApi } from '../../../streams/telemetry/otel-api.js';
import { ATTR, AWS_SQS, SCOPE } from '../../../streams/telemetry/semconv.js';
import { endWithOutcome } from '../../../streams/telemetry/span-outcome.js';

/**
 * How a worker's `process` span relates to the `send` span of its task (`runWorker`'s
 * `spanParent`, `mazepa worker --span-parent`).
 *
 * @example
 * ```ts
 * import { SqsExecutionQueue, runWorker, type SpanParent } from 'mazepa/sqs';
 * const spanParent: SpanParent = 'parent'; // one trace per run: for small runs
 * await runWorker({ queue: new SqsExecutionQueue({ queueName: 'mazepa-tasks' }), spanParent });
 * ```
 */
export type SpanParent = 'link' | 'parent';

/** One attempt's span. @internal */
export interface ProcessSpan {
  within<T>(fn: () => T): T;
  end(error: SerializedError | undefined, secs: number | undefined): void;
}

/** @internal */
export interface WorkerTelemetry {
  process(envelope: TaskEnvelope, messageId: string | undefined): ProcessSpan;
  received(messages: number): void;
  deleted(messages: number): void;
}

/** @internal A worker's telemetry, or `undefined` without `@opentelemetry/api`. */
export function createWorkerTelemetry(queueName: string, spanParent: SpanParent): WorkerTelemetry | undefined {
  const api = otelApi();
  if (api === undefined) return undefined;
  const tracer = api.trace.getTracer(SCOPE);
  const counts = { receives: 0, received: 0, deleted: 0 };
  const tasks = new Map<string, number>();
  const meter = api.metrics.getMeter(SCOPE);
  const duration: Histogram = meter.createHistogram('mazepa.worker.task.duration', {
    description: 'How long the task attempts this worker ran took',
    unit: 's',
  });
  observeWorker(api, counts, tasks);
  return {
    process: (envelope, messageId) => {
      const sender = api.propagation.extract(api.ROOT_CONTEXT, carrierOf(envelope));
      const sent = api.trace.getSpanContext(sender);
      const linked = sent !== undefined && api.isSpanContextValid(sent) && spanParent === 'link';
      const parent: Context = linked || sent === undefined ? api.ROOT_CONTEXT : sender;
      const span: Span = tracer.startSpan(
        `process ${queueName}`,
        {
          kind: api.SpanKind.CONSUMER,
          attributes: {
            [ATTR.messagingSystem]: AWS_SQS,
            [ATTR.operationType]: 'process',
            [ATTR.operationName]: 'process',
            [ATTR.destination]: queueName,
            ...(messageId === undefined ? {} : { [ATTR.messageId]: messageId }),
            [ATTR.taskId]: envelope.taskId,
            [ATTR.mazepaOperation]: envelope.operationName,
            [ATTR.attempt]: envelope.attempt,
            [ATTR.executionId]: envelope.executionId,
          },
          ...(linked ? { links: [{ context: sent }] } : {}),
        },
        parent,
      );
      return {
        within: (fn) => api.context.with(api.trace.setSpan(parent, span), fn),
        end: (error, secs) => {
          const outcome = error === undefined ? 'succeeded' : 'failed';
          const key = `${envelope.operationName}\u0000${outcome}`;
          tasks.set(key, (tasks.get(key) ?? 0) + 1);
          const attributes = { [ATTR.mazepaOperation]: envelope.operationName, [ATTR.outcome]: outcome };
          if (secs !== undefined) duration.record(secs, attributes);
          endWithOutcome(api, span, error);
        },
      };
    },
    received: (messages) => {
      counts.receives++;
      counts.received += messages;
    },
    deleted: (messages) => void (counts.deleted += messages),
  };
}

function observeWorker(
  api: OtelApi,
  counts: { receives: number; received: number; deleted: number },
  tasks: ReadonlyMap<string, number>,
): void {
  const meter = api.metrics.getMeter(SCOPE);
  const counter = (name: string, description: string, unit: string, read: () => number): void => {
    meter.createObservableCounter(name, { description, unit }).addCallback((result) => result.observe(read()));
  };
  counter('mazepa.worker.receive_calls', 'ReceiveMessage calls this worker made', '{call}', () => counts.receives);
  counter('mazepa.worker.messages_received', 'Task messages this worker received', '{message}', () => counts.received);
  counter('mazepa.worker.messages_deleted', 'Task messages this worker deleted', '{message}', () => counts.deleted);
  meter
    .createObservableCounter('mazepa.worker.tasks', { description: 'Task attempts this worker ran', unit: '{task}' })
    .addCallback((result) => {
      for (const [key, n] of tasks) {
        const [operation, outcome] = key.split('\u0000');
        result.observe(n, { [ATTR.mazepaOperation]: operation!, [ATTR.outcome]: outcome! });
      }
    });
}

function carrierOf(envelope: TaskEnvelope): Record<string, string> {
  const carrier: Record<string, string> = {};
  if (envelope.traceparent !== undefined) carrier.traceparent = envelope.traceparent;
  if (envelope.tracestate !== undefined) carrier.tracestate = envelope.tracestate;
  return carrier;
}
