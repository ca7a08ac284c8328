import type { ExecutionEvent } from '../execution-event.js';
import type { ExecutionTelemetry } from './execution-telemetry.js';
import { ATTR } from './semconv.js';

/**
 * What of the event stream shows on the execution's span as span events: retries and failures
 * (a `WorkerLostError` among them, by its `error.type`). Per-task successes do not: the attempt
 * spans show them. The SDK's span limits bound how many events a span keeps.
 *
 * @internal
 */
export function executionEventToSpan(telemetry: ExecutionTelemetry): (event: ExecutionEvent) => void {
  return (event) => {
    if (event.type === 'task_retried') {
      telemetry.event('mazepa.task.retried', {
        [ATTR.taskId]: event.taskId,
        [ATTR.mazepaOperation]: event.operationName,
        [ATTR.attempt]: event.attempt,
        [ATTR.errorType]: event.error.name,
        'mazepa.task.retry_delay_ms': event.delayMs,
      });
    } else if (event.type === 'task_failed') {
      telemetry.event('mazepa.task.failed', {
        [ATTR.taskId]: event.taskId,
        [ATTR.mazepaOperation]: event.operationName,
        [ATTR.attempt]: event.attempt,
        [ATTR.errorType]: event.error.name,
      });
    }
  };
}
