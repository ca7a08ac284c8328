import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueDepth } from '../../../streams/queue-depth.js';
import { wrapSqsError } from './sqs-error.js';

export type { QueueDepth };

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
