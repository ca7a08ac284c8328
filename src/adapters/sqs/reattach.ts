import { randomBytes } from 'node:crypto';
import { GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { EMPTY } from 'rxjs';
import type { PreviousRun, QueueAttachment } from '../../streams/queue-attachment.js';
import { LostTaskWatch } from './lost-task-watch.js';
import { isOutcomeQueueNameOf, outcomeQueueName } from './queue-names.js';
import { isQueueMissing, wrapSqsError } from './sqs-error.js';
import type { ResolvedSqsOptions } from './sqs-options.js';

/** @internal The outcome queue an execution will use, decided before it starts. */
export interface PlannedExecution {
  readonly outcomeQueueName: string;
  /** Set when the execution re-attached: the queue exists. */
  readonly outcomeQueueUrl?: string;
  /** Set when the execution re-attached: the earlier run's tasks still awaited. */
  readonly watch?: LostTaskWatch;
}

/**
 * @internal Decides whether a run with a checkpoint goes on with the execution that wrote it: it
 * does when the checkpoint names the same task queue URL and an outcome queue of it that still
 * exists. Then the run takes that execution's id and outcome queue (outcomes sent while no
 * orchestrator ran are still there), and awaits the tasks it pushed. Otherwise it starts afresh
 * with an outcome queue name of its own. What the checkpoint records: the task queue URL, the
 * execution id and the outcome queue name.
 */
export async function planExecution(
  client: SQSClient,
  options: ResolvedSqsOptions,
  taskQueueUrl: string,
  executionId: string,
  previous: PreviousRun,
): Promise<{ plan: PlannedExecution; attachment: QueueAttachment }> {
  const { queueName } = options;
  const record = previous.record;
  const name = record?.['outcomeQueueName'];
  const reusable =
    previous.executionId !== undefined &&
    record?.['taskQueueUrl'] === taskQueueUrl &&
    record['executionId'] === previous.executionId &&
    typeof name === 'string' &&
    isOutcomeQueueNameOf(name, queueName);
  const url = reusable ? await existingQueueUrl(client, name) : undefined;
  if (!reusable || url === undefined) {
    const fresh = outcomeQueueName(queueName, executionId, randomBytes(3).toString('hex'));
    return {
      plan: { outcomeQueueName: fresh },
      attachment: {
        executionId,
        reattached: false,
        record: { taskQueueUrl, executionId, outcomeQueueName: fresh },
        lost: EMPTY,
      },
    };
  }
  const watch = new LostTaskWatch({
    client,
    taskQueueUrl,
    outcomeQueueUrl: url,
    pending: previous.pushed,
    emptyForMs: options.resumeEmptySec * 1000,
    waitMs: options.resumeWaitSec * 1000,
  });
  return {
    plan: { outcomeQueueName: name, outcomeQueueUrl: url, watch },
    attachment: { executionId: previous.executionId!, reattached: true, record: record!, lost: watch.lost },
  };
}

/** The URL of the queue `name`, or undefined when it is gone (deleted at the end, or as an orphan). */
async function existingQueueUrl(client: SQSClient, name: string): Promise<string | undefined> {
  try {
    const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: name }));
    return QueueUrl;
  } catch (error) {
    if (isQueueMissing(error)) return undefined;
    throw wrapSqsError(error, 'GetQueueUrl', name);
  }
}
