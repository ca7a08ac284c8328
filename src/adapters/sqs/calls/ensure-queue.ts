import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type QueueAttributeName,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { MAX_MESSAGE_BYTES } from '../../remote/envelope-text.js';
import { deadLetterQueueName } from './queue-names.js';
import type { SqsQueueEvent } from '../orchestrator/queue-events.js';
import { isQueueMissing, isQueueNameTaken, isTransientSqsError } from './sqs-error.js';
import type { ResolvedSqsOptions } from '../orchestrator/sqs-options.js';
import { retrying, type OutageBudget } from './sqs-retry.js';

/** @internal What the queue calls need: the client, how they retry, where to report. */
export interface QueueCalls {
  readonly client: SQSClient;
  readonly retry: OutageBudget;
  readonly onEvent: (event: SqsQueueEvent) => void;
}

/**
 * @internal The task queue's URL: `queueUrl` as given, else looked up by name, and when missing
 * created with the 256 KiB size limit, the visibility timeout and the dead-letter queue. Each
 * call is retried on transient errors; a queue that another process created meanwhile is used.
 */
export async function ensureTaskQueue(calls: QueueCalls, options: ResolvedSqsOptions): Promise<string> {
  if (options.queueUrl !== undefined) return options.queueUrl;
  const { queueName } = options;
  const found = await findQueue(calls, queueName);
  if (found !== undefined) return found;
  const attributes: Record<string, string> = {
    MaximumMessageSize: String(MAX_MESSAGE_BYTES),
    VisibilityTimeout: String(options.visibilityTimeoutSec),
  };
  if (options.maxReceiveCount !== undefined) {
    const dlqName = deadLetterQueueName(queueName);
    const dlqUrl = await createQueue(calls, dlqName, {
      MaximumMessageSize: String(MAX_MESSAGE_BYTES),
      MessageRetentionPeriod: '1209600',
    });
    const arn = await queueAttribute(calls, dlqUrl, dlqName, 'QueueArn');
    attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: options.maxReceiveCount });
  }
  return createQueue(calls, queueName, attributes);
}

/** @internal A queue's URL, or `undefined` when there is no such queue. */
export async function findQueue(calls: QueueCalls, queueName: string): Promise<string | undefined> {
  try {
    return await queueUrlOf(calls, queueName, isTransientSqsError);
  } catch (error) {
    if (isQueueMissing(error)) return undefined;
    throw error;
  }
}

async function queueUrlOf(
  { client, retry }: QueueCalls,
  queueName: string,
  retryable: (error: unknown) => boolean,
): Promise<string> {
  return retrying(
    retry,
    'GetQueueUrl',
    queueName,
    async () => {
      const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: queueName }));
      if (QueueUrl === undefined) throw new Error('the response has no QueueUrl');
      return QueueUrl;
    },
    { retryable },
  );
}

/**
 * @internal Creates a queue (or finds it, when one with these attributes exists) and returns its
 * URL. When another process created it at the same moment with other attributes (SQS answers
 * `QueueNameExists`), that queue is used, and the differences are reported once
 * (`queue_settings_differ`).
 */
export async function createQueue(
  calls: QueueCalls,
  queueName: string,
  attributes: Record<string, string>,
): Promise<string> {
  const { client, retry } = calls;
  try {
    return await retrying(retry, 'CreateQueue', queueName, async () => {
      const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: queueName, Attributes: attributes }));
      if (QueueUrl === undefined) throw new Error('the response has no QueueUrl');
      return QueueUrl;
    });
  } catch (error) {
    if (!isQueueNameTaken(error)) throw error;
  }
  // Just created by another process: a lookup may not find it yet, so a missing queue is tried again.
  const url = await queueUrlOf(calls, queueName, (e) => isTransientSqsError(e) || isQueueMissing(e));
  await reportDifferences(calls, url, queueName, attributes);
  return url;
}

/** Tells once how the queue that exists differs from what was asked for. */
async function reportDifferences(
  calls: QueueCalls,
  url: string,
  queueName: string,
  asked: Record<string, string>,
): Promise<void> {
  const names = Object.keys(asked) as QueueAttributeName[];
  const found = await retrying(calls.retry, 'GetQueueAttributes', queueName, async () => {
    const { Attributes } = await calls.client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: names }),
    );
    return Attributes ?? {};
  });
  const differences: Record<string, { asked: string; found: string | undefined }> = {};
  for (const name of names) {
    if (!sameAttribute(name, asked[name]!, found[name]))
      differences[name] = { asked: asked[name]!, found: found[name] };
  }
  if (Object.keys(differences).length > 0) {
    calls.onEvent({ type: 'queue_settings_differ', queueName, queueUrl: url, differences });
  }
}

function sameAttribute(name: string, asked: string, found: string | undefined): boolean {
  if (found === undefined) return false;
  if (name !== 'RedrivePolicy') return asked === found;
  try {
    const a = JSON.parse(asked) as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
    const f = JSON.parse(found) as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
    return a.deadLetterTargetArn === f.deadLetterTargetArn && Number(a.maxReceiveCount) === Number(f.maxReceiveCount);
  } catch {
    return false;
  }
}

/** @internal Deletes a queue; one already gone is fine. */
export async function deleteQueue(calls: QueueCalls, queueUrl: string, queueName: string): Promise<void> {
  try {
    await retrying(calls.retry, 'DeleteQueue', queueName, () =>
      calls.client.send(new DeleteQueueCommand({ QueueUrl: queueUrl })),
    );
  } catch (error) {
    if (!isQueueMissing(error)) throw error;
  }
}

/** @internal The visibility timeout a queue is configured with, in seconds. */
export async function queueVisibility(calls: QueueCalls, queueUrl: string, queueName: string): Promise<number> {
  const seconds = Number(await queueAttribute(calls, queueUrl, queueName, 'VisibilityTimeout'));
  return Number.isInteger(seconds) && seconds > 0 ? seconds : 30;
}

async function queueAttribute(
  { client, retry }: QueueCalls,
  queueUrl: string,
  queueName: string,
  name: 'QueueArn' | 'VisibilityTimeout',
): Promise<string> {
  return retrying(retry, 'GetQueueAttributes', queueName, async () => {
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: [name] }),
    );
    const value = Attributes?.[name];
    if (value === undefined) throw new Error(`the response has no ${name}`);
    return value;
  });
}
