import { describeRetry } from '../adapters/sqs/orchestrator/queue-events.js';
import type { WorkerEvent } from '../adapters/sqs/worker/worker-options.js';
import { asBlock, oneLine } from './escape-text.js';

/**
 * A worker event as one line for the log, or `undefined` for events printed only when verbose.
 * Every text that came from a message is escaped ({@link oneLine}): it cannot forge log lines.
 *
 * @internal
 */
export function formatWorkerEvent(event: WorkerEvent, verbose: boolean): string | undefined {
  const prefix = 'mazepa worker:';
  switch (event.type) {
    case 'worker_started':
      return `${prefix} started on queue ${oneLine(event.queueName)} (concurrency ${event.concurrency}, pid ${process.pid})`;
    case 'task_started':
      return verbose ? `${prefix} task ${oneLine(event.taskId)} started (attempt ${event.attempt})` : undefined;
    case 'task_finished': {
      if (!verbose && !event.failed) return undefined;
      const line = `${prefix} task ${oneLine(event.taskId)} ${event.failed ? 'failed' : 'succeeded'} in ${event.executionSecs.toFixed(3)} s`;
      if (!event.failed) return line;
      // What failed, on which attempt; the stack only when verbose. All of it came from a message.
      const error = event.error;
      const why = error === undefined ? '' : `: ${oneLine(String(error.name))}: ${oneLine(String(error.message))}`;
      const stack = verbose && typeof error?.stack === 'string' ? `\n${asBlock(error.stack)}` : '';
      return `${line} ('${oneLine(event.operationName)}', attempt ${event.attempt})${why}${stack}`;
    }
    case 'task_dropped':
      return `${prefix} task ${oneLine(event.taskId)} dropped, not run: its execution ${oneLine(event.executionId)} has ended`;
    case 'task_lost':
      return (
        `${prefix} task ${oneLine(event.taskId)} ('${oneLine(event.operationName)}', attempt ${event.attempt}) lost: ` +
        `received ${event.receiveCount} times without an outcome (its workers died on it); failed back with WorkerLostError, not run`
      );
    case 'message_rejected':
      return (
        `${prefix} message ${oneLine(event.messageId)} rejected, not run: ${oneLine(event.reason.slice(0, 300))} ` +
        (event.reported ? '(failed back to its execution)' : '(left to the dead-letter queue)')
      );
    case 'call_retried':
      return `${prefix} ${describeRetry(event)}`;
    case 'worker_error':
      return `${prefix} ${oneLine(event.error instanceof Error ? event.error.message : String(event.error))}`;
    case 'worker_stopping':
      return `${prefix} stopping (${event.reason}), ${event.running} task(s) running`;
    case 'worker_stopped': {
      const s = event.summary;
      return `${prefix} stopped: ${s.succeeded} succeeded, ${s.failed} failed, ${s.rejected} rejected`;
    }
  }
}
