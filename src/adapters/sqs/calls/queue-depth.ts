import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { wrapSqsError } from './sqs-error.js';

/**
 * How many messages a queue holds, by state, as SQS approximates them (a few seconds behind).
 * These are messages, not tasks: a task pack (`maxTasksPerMessage`) holds several tasks, and a
 * task queue is shared by every run that uses it.
 *
 * @example
 * ```ts
 * import { inspectQueues } from 'mazepa/sqs';
 * const { taskQueueDepth } = await inspectQueues({ queueName: 'mazepa-tasks' });
 * if (taskQueueDepth) console.log(`${taskQueueDepth.waiting} waiting, ${taskQueueDepth.inFlight} held by workers`);
 * ```
 */
export interface QueueDepth {
  /** Messages that a receive can take now (`ApproximateNumberOfMessages`). */
  readonly waiting: number;
  /**
   * Messages received and not yet deleted (`ApproximateNumberOfMessagesNotVisible`): for a task
   * queue, held by workers, running or about to; a worker that died holds its messages until
   * their visibility timeout ends.
   */
  readonly inFlight: number;
  /** Messages sent with a delay that has not passed yet (`ApproximateNumberOfMessagesDelayed`). */
  readonly delayed: number;
}

/** @internal One GetQueueAttributes call: the depth of the queue at `url`. */
export async function readQueueDepth(
  client: SQSClient,
  url: string,
  name: string,
  signal?: AbortSignal,
): Promise<QueueDepth> {
  try {
    const { Attributes = {} } = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
      signal === undefined ? {} : { abortSignal: signal },
    );
    const count = (value: string | undefined): number => Number(value ?? 0) || 0;
    return {
      waiting: count(Attributes.ApproximateNumberOfMessages),
      inFlight: count(Attributes.ApproximateNumberOfMessagesNotVisible),
      delayed: count(Attributes.ApproximateNumberOfMessagesDelayed),
    };
  } catch (error) {
    throw wrapSqsError(error, 'GetQueueAttributes', name);
  }
}
