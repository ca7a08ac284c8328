import { hostname } from 'node:os';
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
      return `${prefix} started on queue ${oneLine(event.queueName)} (concurrency ${event.concurrency})`;
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
    case 'messages_returned':
      return event.reason === 'stopping'
        ? `${prefix} gave back ${event.count} message(s) its last long poll brought while stopping (visible again at once)`
        : undefined; // said once per build, by the build refusal
    case 'build_refused':
      return (
        `${prefix} not running tasks of build ${oneLine(event.taskBuild)} (refused: build ${oneLine(event.taskBuild)} != ` +
        `${event.workerBuild === undefined ? '(none)' : oneLine(event.workerBuild)}, this worker's): giving them back at ` +
        `once for a worker of that build, and telling their runs (said once per build; first: task ${oneLine(event.taskId)})`
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

/** Where a log line comes from: the time, the host and the process. @internal */
export interface LineOrigin {
  readonly at: Date;
  readonly host: string;
  readonly pid: number;
}

/**
 * A log line with its origin in front: `2026-12-03T12:34:56.789Z build-7[4242] mazepa worker: …`
 * (ISO time in UTC, host, pid), so that the lines of a fleet can be merged and sorted. Only the
 * first line of a block (a stack) is stamped.
 *
 * @internal
 */
export function stampLine(line: string, origin: LineOrigin = here()): string {
  return `${origin.at.toISOString()} ${oneLine(origin.host)}[${origin.pid}] ${line}`;
}

function here(): LineOrigin {
  return { at: new Date(), host: hostname(), pid: process.pid };
}

/**
 * The start-up line that lists the operations this process registered (what the `--import`
 * modules defined), at most 40 of them by name. None: the modules may have registered into
 * another copy of mazepa (one installed elsewhere), which this worker does not see.
 *
 * @internal
 */
export function describeOperations(names: readonly string[]): string {
  const prefix = 'mazepa worker:';
  if (names.length === 0) {
    return (
      `${prefix} no operation is registered: the --import modules defined none in this copy of mazepa ` +
      '(do they import mazepa from the same install as this command?)'
    );
  }
  const shown = [...names].sort().slice(0, 40).map(oneLine);
  const more = names.length > shown.length ? `, and ${names.length - shown.length} more` : '';
  return `${prefix} ${names.length} operation(s) registered: ${shown.join(', ')}${more}`;
}
