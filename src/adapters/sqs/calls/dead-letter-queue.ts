import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { isQueueMissing, wrapSqsError } from './sqs-error.js';

/**
 * The task queue's dead-letter queue and how many messages it holds (approximate).
 *
 * @example
 * ```ts
 * import { inspectQueues } from 'mazepa/sqs';
 * const { deadLetter } = await inspectQueues({ queueName: 'mazepa-tasks' });
 * console.log(`${deadLetter?.messages ?? 0} dead letter(s)`);
 * ```
 */
export interface DeadLetterInfo {
  readonly name: string;
  readonly url: string;
  /** Messages ready to be moved back. */
  readonly messages: number;
  /** Messages received by someone and not yet deleted or back. */
  readonly inFlight: number;
}

/** @internal A queue's URL, or `undefined` when there is no such queue. */
export async function findQueueUrl(client: SQSClient, queueName: string): Promise<string | undefined> {
  try {
    return (await client.send(new GetQueueUrlCommand({ QueueName: queueName }))).QueueUrl;
  } catch (error) {
    if (isQueueMissing(error)) return undefined;
    throw wrapSqsError(error, 'GetQueueUrl', queueName);
  }
}

/**
 * @internal The dead-letter queue that the task queue's redrive policy names, with its depth;
 * `undefined` when there is no policy or that queue is gone. The policy decides, not the name:
 * a `<queueName>-dlq` that the task queue does not send to is not its dead-letter queue.
 */
export async function findDeadLetter(
  client: SQSClient,
  taskQueueUrl: string,
  queueName: string,
): Promise<DeadLetterInfo | undefined> {
  let policy: string | undefined;
  try {
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: taskQueueUrl, AttributeNames: ['RedrivePolicy'] }),
    );
    policy = Attributes?.RedrivePolicy;
  } catch (error) {
    if (isQueueMissing(error)) return undefined;
    throw wrapSqsError(error, 'GetQueueAttributes', queueName);
  }
  const name = deadLetterTarget(policy);
  if (name === undefined) return undefined;
  const url = await findQueueUrl(client, name);
  if (url === undefined) return undefined;
  const counts = await deadLetterCounts(client, url, name);
  return counts === undefined ? undefined : { name, url, ...counts };
}

/**
 * @internal The messages of a dead-letter queue at `url` (named `name`): ready to be moved back,
 * and received and not yet deleted; `undefined` when the queue is gone. One GetQueueAttributes.
 */
export async function deadLetterCounts(
  client: SQSClient,
  url: string,
  name: string,
): Promise<{ messages: number; inFlight: number } | undefined> {
  try {
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    const messages = Number(Attributes?.ApproximateNumberOfMessages ?? 0);
    return { messages, inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) };
  } catch (error) {
    if (isQueueMissing(error)) return undefined;
    throw wrapSqsError(error, 'GetQueueAttributes', name);
  }
}

/** The name of the queue a redrive policy sends to, if it names one. */
function deadLetterTarget(policy: string | undefined): string | undefined {
  if (policy === undefined) return undefined;
  let arn: unknown;
  try {
    arn = (JSON.parse(policy) as { deadLetterTargetArn?: unknown } | null)?.deadLetterTargetArn;
  } catch {
    return undefined;
  }
  return typeof arn === 'string' && arn.includes(':') ? arn.slice(arn.lastIndexOf(':') + 1) : undefined;
}
