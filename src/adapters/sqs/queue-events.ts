/**
 * What an {@link SqsExecutionQueue} reports as it goes, besides outcomes: problems it got over on
 * its own, which an operator may still want to see. One discriminated union on `type`.
 *
 * - `outcome_rejected`: a message on an outcome queue did not decode, failed its signature check
 *   or belongs to another execution. It is deleted; when it names a task of this execution,
 *   that task is failed with the reason (`failedTask`), else it is ignored.
 * - `receive_retried`: a ReceiveMessage on an outcome queue failed (after the SDK's own
 *   retries) and is tried again in `retryInMs`; after 10 failures in a row the execution fails.
 * - `queue_not_deleted`: an ended execution's outcome queue could not be deleted; delete
 *   `queueUrl` yourself (it also expires with its messages, but the queue stays).
 *
 * @example
 * ```ts
 * import { SqsExecutionQueue, type SqsQueueEvent } from 'mazepa/sqs';
 * const onEvent = (e: SqsQueueEvent) => {
 *   if (e.type === 'queue_not_deleted') console.error(`delete ${e.queueUrl} by hand`);
 * };
 * const queue = new SqsExecutionQueue({ queueName: 'mazepa-tasks', onEvent });
 * ```
 */
export type SqsQueueEvent =
  | {
      readonly type: 'outcome_rejected';
      /** The outcome queue it came from. */
      readonly queueName: string;
      readonly executionId: string;
      readonly messageId: string;
      /** The task it names, where that can be read. */
      readonly taskId: string | undefined;
      readonly reason: string;
      /** Whether the task it names was failed with the reason. */
      readonly failedTask: boolean;
    }
  | {
      readonly type: 'receive_retried';
      readonly queueName: string;
      readonly executionId: string;
      readonly error: unknown;
      /** Failed receives in a row so far. */
      readonly failures: number;
      readonly retryInMs: number;
    }
  | {
      readonly type: 'queue_not_deleted';
      readonly queueName: string;
      readonly queueUrl: string;
      readonly error: unknown;
    };

/**
 * @internal The listener to call: `onEvent` guarded (one that throws must not stop the queue),
 * or by default a process warning per event.
 */
export function queueEventListener(onEvent: ((event: SqsQueueEvent) => void) | undefined): (e: SqsQueueEvent) => void {
  if (onEvent === undefined) return (event) => process.emitWarning(`mazepa: ${describeQueueEvent(event)}`);
  return (event) => {
    try {
      onEvent(event);
    } catch {
      // ignored on purpose
    }
  };
}

/** @internal One line about `event`, naming the queue. */
export function describeQueueEvent(event: SqsQueueEvent): string {
  switch (event.type) {
    case 'outcome_rejected':
      return (
        `outcome queue '${event.queueName}' deleted message ${event.messageId}: ${event.reason}` +
        (event.failedTask ? ` (task ${String(event.taskId)} failed with it)` : ' (ignored)')
      );
    case 'receive_retried':
      return (
        `${event.error instanceof Error ? event.error.message : String(event.error)} ` +
        `(${event.failures} in a row; trying again in ${event.retryInMs} ms)`
      );
    case 'queue_not_deleted':
      return (
        `outcome queue '${event.queueName}' could not be deleted, delete it by hand: ${event.queueUrl} ` +
        `(${event.error instanceof Error ? event.error.message : String(event.error)})`
      );
  }
}
