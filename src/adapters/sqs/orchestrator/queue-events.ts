import { oneLine } from '../../../flows/escape-text.js';
import type { SqsCallRetried } from '../calls/sqs-retry.js';

/**
 * What an {@link SqsExecutionQueue} reports as it goes, besides outcomes: problems it got over on
 * its own, which an operator may still want to see. One discriminated union on `type`.
 *
 * - `outcome_rejected`: a message on an outcome queue did not decode, failed its signature check
 *   or belongs to another execution. It is deleted; when it names a task of this execution,
 *   that task is failed with the reason (`failedTask`), else it is ignored.
 * - `call_retried`: an SQS call failed with a transient error (throttling, 5xx, timeout,
 *   connection reset) and is tried again in `retryInMs` ({@link SqsCallRetried}); once it has
 *   failed for `maxOutageMs`, the execution fails.
 * - `queue_settings_differ`: this queue created the task queue (or its dead-letter queue) at the
 *   same moment as another process, which won with other settings; that queue is used as it is.
 * - `queue_not_deleted`: an ended execution's outcome queue could not be deleted; delete
 *   `queueUrl` yourself (it also expires with its messages, but the queue stays).
 * - `payload_not_deleted`: a consumed payload object (see `payloadBucket`) could not be deleted;
 *   delete it yourself, or let a lifecycle rule on its prefix do it.
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
  | SqsCallRetried
  | {
      readonly type: 'queue_settings_differ';
      readonly queueName: string;
      readonly queueUrl: string;
      /** Per attribute (`VisibilityTimeout`, `RedrivePolicy`, ...): what was asked for, what the queue has. */
      readonly differences: Readonly<Record<string, { readonly asked: string; readonly found: string | undefined }>>;
    }
  | {
      readonly type: 'queue_not_deleted';
      readonly queueName: string;
      readonly queueUrl: string;
      readonly error: unknown;
    }
  | {
      readonly type: 'payload_not_deleted';
      readonly queueName: string;
      readonly bucket: string;
      readonly key: string;
      readonly error: unknown;
    };

/** @internal Warnings of one kind (and queue) are given at most once in this long; the others are counted. */
export const RETRY_WARNING_EVERY_MS = 10_000;

/**
 * @internal The listener to call: `onEvent` guarded (one that throws must not stop the queue),
 * or by default a process warning per event, its text escaped (it quotes messages, which anyone
 * who can send to a queue writes). Warnings of one kind and queue (retries: of one call and
 * queue) are given at most once every 10 s; the next one says how many were left out meanwhile.
 */
export function queueEventListener(
  onEvent: ((event: SqsQueueEvent) => void) | undefined,
  warn: (text: string) => void = (text) => process.emitWarning(text),
  now: () => number = Date.now,
): (e: SqsQueueEvent) => void {
  if (onEvent === undefined) {
    const warned = new Map<string, { at: number; left: number }>();
    return (event) => {
      const key =
        event.type === 'call_retried' ? `${event.operation} ${event.queueName}` : `${event.type} ${event.queueName}`;
      const last = warned.get(key);
      if (last !== undefined && now() - last.at < RETRY_WARNING_EVERY_MS) {
        last.left++;
        return;
      }
      warned.set(key, { at: now(), left: 0 });
      const more = last === undefined || last.left === 0 ? '' : ` (and ${last.left} more like it, not shown)`;
      warn(`mazepa: ${oneLine(describeQueueEvent(event))}${more}`);
    };
  }
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
    case 'call_retried':
      return describeRetry(event);
    case 'queue_settings_differ':
      return (
        `queue '${event.queueName}' was created at the same moment by another process with other settings; ` +
        `using it as it is: ${Object.entries(event.differences)
          .map(([name, d]) => `${name} ${d.found ?? '(none)'} (asked for ${d.asked})`)
          .join(', ')}`
      );
    case 'queue_not_deleted':
      return (
        `outcome queue '${event.queueName}' could not be deleted, delete it by hand: ${event.queueUrl} ` +
        `(${event.error instanceof Error ? event.error.message : String(event.error)})`
      );
    case 'payload_not_deleted':
      return (
        `the payload s3://${event.bucket}/${event.key} read from '${event.queueName}' could not be deleted ` +
        `(${event.error instanceof Error ? event.error.message : String(event.error)})`
      );
  }
}

/** @internal One line about a retried SQS call. */
export function describeRetry(event: SqsCallRetried): string {
  const failing = event.failingForMs >= 1000 ? `, failing for ${(event.failingForMs / 1000).toFixed(1)} s` : '';
  return (
    `${event.error.message}; retrying in ${event.retryInMs} ms ` +
    `(${event.failures} ${event.failures === 1 ? 'failure' : 'failures'}${failing})`
  );
}
