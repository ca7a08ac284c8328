import { randomBytes } from 'node:crypto';
import { EMPTY } from 'rxjs';
import type { PreviousRun, QueueAttachment } from '../../../streams/queue-attachment.js';
import { findQueue, type QueueCalls } from '../calls/ensure-queue.js';
import { LostTaskWatch } from './lost-task-watch.js';
import { newRunToken } from './run-token.js';
import { isOutcomeQueueNameOf, outcomeQueueName } from '../calls/queue-names.js';
import type { ResolvedSqsOptions } from './sqs-options.js';

/** @internal The outcome queue an execution will use, decided before it starts. */
export interface PlannedExecution {
  readonly outcomeQueueName: string;
  /** The run token its task messages carry and its outcomes must echo. */
  readonly run: string;
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
 * execution id, the outcome queue name and the run token (outcomes must echo it: re-using it is
 * what lets the rerun accept the outcomes sent to the earlier run).
 */
export async function planExecution(
  calls: QueueCalls,
  options: ResolvedSqsOptions,
  taskQueueUrl: string,
  executionId: string,
  previous: PreviousRun,
): Promise<{ plan: PlannedExecution; attachment: QueueAttachment }> {
  const { queueName } = options;
  const record = previous.record;
  const name = record?.['outcomeQueueName'];
  const run = record?.['run'];
  const reusable =
    previous.executionId !== undefined &&
    record?.['taskQueueUrl'] === taskQueueUrl &&
    record['executionId'] === previous.executionId &&
    typeof name === 'string' &&
    typeof run === 'string' &&
    run !== '' &&
    isOutcomeQueueNameOf(name, queueName);
  // Gone when it was deleted at the end of that execution, or as an orphan.
  const url = reusable ? await findQueue(calls, name) : undefined;
  if (!reusable || url === undefined) {
    const fresh = outcomeQueueName(queueName, executionId, randomBytes(3).toString('hex'));
    const token = newRunToken();
    return {
      plan: { outcomeQueueName: fresh, run: token },
      attachment: {
        executionId,
        reattached: false,
        record: { taskQueueUrl, executionId, outcomeQueueName: fresh, run: token },
        lost: EMPTY,
      },
    };
  }
  const watch = new LostTaskWatch({
    client: calls.client,
    taskQueueUrl,
    outcomeQueueUrl: url,
    pending: previous.pushed,
    emptyForMs: options.resumeEmptySec * 1000,
    waitMs: options.resumeWaitSec * 1000,
  });
  return {
    plan: { outcomeQueueName: name, outcomeQueueUrl: url, run, watch },
    attachment: { executionId: previous.executionId!, reattached: true, record: record!, lost: watch.lost },
  };
}
