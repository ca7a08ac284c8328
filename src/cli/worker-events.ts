import type { WorkerEvent } from '../adapters/sqs/worker-options.js';

/**
 * A worker event as one line for the log, or `undefined` for events printed only when verbose.
 *
 * @internal
 */
export function formatWorkerEvent(event: WorkerEvent, verbose: boolean): string | undefined {
  const prefix = 'mazepa worker:';
  switch (event.type) {
    case 'worker_started':
      return `${prefix} started on queue ${event.queueName} (concurrency ${event.concurrency}, pid ${process.pid})`;
    case 'task_started':
      return verbose ? `${prefix} task ${event.taskId} started (attempt ${event.attempt})` : undefined;
    case 'task_finished': {
      if (!verbose && !event.failed) return undefined;
      const line = `${prefix} task ${event.taskId} ${event.failed ? 'failed' : 'succeeded'} in ${event.executionSecs.toFixed(3)} s`;
      if (!event.failed) return line;
      // What failed, on which attempt; the stack only when verbose.
      const error = event.error;
      const why = error === undefined ? '' : `: ${error.name}: ${error.message}`;
      const stack = verbose && error?.stack !== undefined ? `\n${error.stack}` : '';
      return `${line} ('${event.operationName}', attempt ${event.attempt})${why}${stack}`;
    }
    case 'message_rejected':
      return (
        `${prefix} message ${event.messageId} rejected, not run: ${event.reason.slice(0, 300)} ` +
        (event.reported ? '(failed back to its execution)' : '(left to the dead-letter queue)')
      );
    case 'worker_error':
      return `${prefix} ${event.error instanceof Error ? event.error.message : String(event.error)}`;
    case 'worker_stopping':
      return `${prefix} stopping (${event.reason}), ${event.running} task(s) running`;
    case 'worker_stopped': {
      const s = event.summary;
      return `${prefix} stopped: ${s.succeeded} succeeded, ${s.failed} failed, ${s.rejected} rejected`;
    }
  }
}
