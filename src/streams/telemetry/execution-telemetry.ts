/**
 * The spans of one execution: the execution's own (`execute <root>`, INTERNAL), a span per task
 * attempt on in-process queues (`process <queue>`, INTERNAL, its child) and a span per push to a
 * queue that sends tasks away (`send <queue>`, PRODUCER), whose W3C trace context the task
 * envelopes carry. Made only while an SDK records the execution's span: with none registered (or
 * the execution sampled out), a run has no telemetry object at all and its tasks cost nothing.
 */
import type { Context, Span } from '@opentelemetry/api';
import type { SerializedError } from '../../flows/serialized-error.js';
import type { Task } from '../../flows/task.js';
import type { ExecutionSummary } from '../execution-event.js';
import { otelApi, type OtelApi } from './otel-api.js';
import { ATTR, AWS_SQS, SCOPE } from './semconv.js';
import { endWithOutcome, failSpan } from './span-outcome.js';

/** The W3C trace context a task message carries. */
export interface TraceCarrier {
  readonly traceparent?: string;
  readonly tracestate?: string;
}

/** A push's span and the context its tasks carry. @internal */
export interface SendSpan {
  readonly carrier: TraceCarrier;
  end(error?: unknown): void;
}

/** One execution's spans. @internal */
export interface ExecutionTelemetry {
  readonly api: OtelApi;
  /** A span per attempt of a task run in this process (or on its threads), child of the execution's. */
  attempt(task: Task, queueName: string): Span;
  /** Runs `fn` with `span` as the active span (so the task's own spans nest under it). */
  within<T>(span: Span, fn: () => T): T;
  /** Ends an attempt's span with its outcome. */
  attemptDone(span: Span, error: SerializedError | undefined): void;
  /** A `send <queue>` span for a push of `count` tasks to an SQS queue. */
  send(queueName: string, count: number): SendSpan;
  /** A span event on the execution's span. */
  event(name: string, attributes: Record<string, string | number | boolean>): void;
  /** Sets attributes of the execution's span. */
  annotate(attributes: Record<string, string | number | boolean>): void;
}

const active = new Map<string, ExecutionTelemetry>();

/**
 * The telemetry of a running execution, for the queues and the checkpoint to add to; `undefined`
 * when it makes none (the common case: one Map lookup per execution, not per task).
 *
 * @internal
 */
export function telemetryOf(executionId: string | undefined): ExecutionTelemetry | undefined {
  return executionId === undefined || active.size === 0 ? undefined : active.get(executionId);
}

/** What a started execution's telemetry is ended with. @internal */
export interface ExecutionSpanEnd {
  end(summary: ExecutionSummary | undefined, error?: Error): void;
}

/**
 * Starts the span of an execution, if an SDK records it; `undefined` otherwise (no API, no SDK,
 * sampled out), and then nothing else of the run makes spans.
 *
 * @internal
 */
export function startExecutionTelemetry(
  rootName: string,
  executionId: string,
  queueName: string,
): (ExecutionTelemetry & ExecutionSpanEnd) | undefined {
  const api = otelApi();
  if (api === undefined) return undefined;
  const tracer = api.trace.getTracer(SCOPE);
  const span = tracer.startSpan(`execute ${rootName}`, {
    kind: api.SpanKind.INTERNAL,
    attributes: { [ATTR.executionId]: executionId, [ATTR.queueName]: queueName },
  });
  if (!span.isRecording()) {
    span.end();
    return undefined;
  }
  const parent: Context = api.trace.setSpan(api.context.active(), span);
  let ended = false;
  const telemetry: ExecutionTelemetry & ExecutionSpanEnd = {
    api,
    attempt: (task, queue) =>
      tracer.startSpan(
        `process ${queue}`,
        {
          kind: api.SpanKind.INTERNAL,
          attributes: {
            [ATTR.operationType]: 'process',
            [ATTR.destination]: queue,
            [ATTR.taskId]: task.id,
            [ATTR.mazepaOperation]: task.operationName,
            [ATTR.attempt]: task.attempt,
            [ATTR.executionId]: executionId,
          },
        },
        parent,
      ),
    within: (attemptSpan, fn) => api.context.with(api.trace.setSpan(parent, attemptSpan), fn),
    attemptDone: (attemptSpan, error) => endWithOutcome(api, attemptSpan, error),
    send: (queue, count) => {
      const sendSpan = tracer.startSpan(
        `send ${queue}`,
        {
          kind: api.SpanKind.PRODUCER,
          attributes: {
            [ATTR.messagingSystem]: AWS_SQS,
            [ATTR.operationType]: 'send',
            [ATTR.operationName]: 'send',
            [ATTR.destination]: queue,
            [ATTR.batchCount]: count,
            [ATTR.executionId]: executionId,
          },
        },
        parent,
      );
      const carrier: Record<string, string> = {};
      api.propagation.inject(api.trace.setSpan(parent, sendSpan), carrier);
      return {
        carrier: pickCarrier(carrier),
        end: (error) => {
          if (error !== undefined) failSpan(api, sendSpan, asErrorLike(error));
          sendSpan.end();
        },
      };
    },
    event: (name, attributes) => span.addEvent(name, attributes),
    annotate: (attributes) => span.setAttributes(attributes),
    end: (summary, error) => {
      if (ended) return;
      ended = true;
      active.delete(executionId);
      if (summary !== undefined) {
        span.setAttributes({
          'mazepa.execution.succeeded': summary.succeeded,
          'mazepa.execution.failed': summary.failed,
          'mazepa.execution.skipped': summary.skipped,
          'mazepa.execution.retried': summary.retried,
        });
      }
      if (error !== undefined) failSpan(api, span, error);
      span.end();
    },
  };
  active.set(executionId, telemetry);
  return telemetry;
}

/** The W3C fields of what the propagator injected (other propagators' fields are not carried). */
function pickCarrier(carrier: Record<string, string>): TraceCarrier {
  const { traceparent, tracestate } = carrier;
  if (traceparent === undefined) return {};
  return tracestate === undefined || tracestate === '' ? { traceparent } : { traceparent, tracestate };
}

function asErrorLike(error: unknown): { name?: unknown; message?: unknown; stack?: unknown } {
  return typeof error === 'object' && error !== null ? error : { name: 'Error', message: String(error) };
}
