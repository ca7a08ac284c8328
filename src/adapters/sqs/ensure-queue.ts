import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { MAX_MESSAGE_BYTES } from '../../flows/envelope-text.js';
import { deadLetterQueueName } from './queue-names.js';
import { isQueueMissing, wrapSqsError } from './sqs-error.js';
import type { ResolvedSqsOptions } from './sqs-options.js';

/**
 * @internal The task queue's URL: `queueUrl` as given, else looked up by name, and when missing
 * created with the 256 KiB size limit, the visibility timeout and the dead-letter queue.
 */
export async function ensureTaskQueue(client: SQSClient, options: ResolvedSqsOptions): Promise<string> {
  if (options.queueUrl !== undefined) return options.queueUrl;
  const { queueName } = options;
  try {
    const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: queueName }));
    if (QueueUrl !== undefined) return QueueUrl;
  } catch (error) {
    if (!isQueueMissing(error)) throw wrapSqsError(error, 'GetQueueUrl', queueName);
  }
  const attributes: Record<string, string> = {
    MaximumMessageSize: String(MAX_MESSAGE_BYTES),
    VisibilityTimeout: String(options.visibilityTimeoutSec),
  };
  if (options.maxReceiveCount !== undefined) {
    const dlqName = deadLetterQueueName(queueName);
    const dlqUrl = await createQueue(client, dlqName, {
      MaximumMessageSize: String(MAX_MESSAGE_BYTES),
      MessageRetentionPeriod: '1209600',
    });
    const arn = await queueArn(client, dlqUrl, dlqName);
    attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: options.maxReceiveCount });
  }
  return createQueue(client, queueName, attributes);
}

/** @internal Creates a queue (or finds it, when one with these attributes exists) and returns its URL. */
export async function createQueue(
  client: SQSClient,
  queueName: string,
  attributes: Record<string, string>,
): Promise<string> {
  try {
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: queueName, Attributes: attributes }));
    if (QueueUrl === undefined) throw new Error('the response has no QueueUrl');
    return QueueUrl;
  } catch (error) {
    throw wrapSqsError(error, 'CreateQueue', queueName);
  }
}

/** @internal Deletes a queue; one already gone is fine. */
export async function deleteQueue(client: SQSClient, queueUrl: string, queueName: string): Promise<void> {
  try {
    await client.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
  } catch (error) {
    if (!isQueueMissing(error)) throw wrapSqsError(error, 'DeleteQueue', queueName);
  }
}

/** @internal The visibility timeout a queue is configured with, in seconds. */
export async function queueVisibility(client: SQSClient, queueUrl: string, queueName: string): Promise<number> {
  const seconds = Number(await queueAttribute(client, queueUrl, queueName, 'VisibilityTimeout'));
  return Number.isInteger(seconds) && seconds > 0 ? seconds : 30;
}

function queueArn(client: SQSClient, queueUrl: string, queueName: string): Promise<string> {
  return queueAttribute(client, queueUrl, queueName, 'QueueArn');
}

async function queueAttribute(
  client: SQSClient,
  queueUrl: string,
  queueName: string,
  name: 'QueueArn' | 'VisibilityTimeout',
): Promise<string> {
  try {
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: [name] }),
    );
    const value = Attributes?.[name];
    if (value === undefined) throw new Error(`the response has no ${name}`);
    return value;
  } catch (error) {
    throw wrapSqsError(error, 'GetQueueAttributes', queueName);
  }
}
