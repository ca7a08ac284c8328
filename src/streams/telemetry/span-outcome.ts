import type { Span } from '@opentelemetry/api';
import type { SerializedError } from '../../flows/serialized-error.js';
import type { OtelApi } from './otel-api.js';
import { ATTR } from './semconv.js';

/**
 * Ends an attempt's span with its outcome: a failure sets `error.type`, records the exception
 * (a `WorkerLostError` with its receive count) and the span's status.
 *
 * @internal
 */
export function endWithOutcome(api: OtelApi, span: Span, error: SerializedError | undefined): void {
  if (error !== undefined) failSpan(api, span, error);
  span.end();
}

/** @internal Marks `span` failed by `error` (a thrown value or a serialized error). */
export function failSpan(
  api: OtelApi,
  span: Span,
  error: { name?: unknown; message?: unknown; stack?: unknown },
): void {
  const name = typeof error.name === 'string' ? error.name : 'Error';
  const message = typeof error.message === 'string' ? error.message : String(error);
  span.setAttribute(ATTR.errorType, name);
  const exception = typeof error.stack === 'string' ? { name, message, stack: error.stack } : { name, message };
  span.recordException(exception);
  const lost = (error as SerializedError).lost;
  if (lost !== undefined) span.setAttribute('mazepa.task.receive_count', lost.receiveCount);
  span.setStatus({ code: api.SpanStatusCode.ERROR, message });
}
