import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { SqsConnection } from '../calls/sqs-connection.js';
import { retrying } from '../calls/sqs-retry.js';

/**
 * @internal The task queue's `maxReceiveCount` (from its redrive policy, as the queue is, not as
 * this process would have made it), or `undefined` when it has no dead-letter queue or the
 * policy cannot be read. A worker that receives a message for the last time allowed reports its
 * task lost instead of running it (its workers died on it each time).
 */
export async function maxReceiveCountOf(queue: SqsConnection): Promise<number | undefined> {
  try {
    const attributes = await retrying(queue.retry, 'GetQueueAttributes', queue.name, async () => {
      const command = new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['RedrivePolicy'] });
      return (await queue.client.send(command)).Attributes ?? {};
    });
    const policy = attributes.RedrivePolicy;
    if (policy === undefined) return undefined;
    const count = Number((JSON.parse(policy) as { maxReceiveCount?: unknown }).maxReceiveCount);
    return Number.isSafeInteger(count) && count >= 1 ? count : undefined;
  } catch {
    return queue.options.maxReceiveCount; // what this process would have made it with
  }
}

/** @internal How many times SQS has handed out a message (this receive included). */
export function receiveCountOf(attributes: Readonly<Record<string, string>> | undefined): number {
  const count = Number(attributes?.ApproximateReceiveCount ?? 1);
  return Number.isSafeInteger(count) && count >= 1 ? count : 1;
}
