import { ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { SQS_BATCH_LIMIT } from './batch-limit.js';
import type { QueueEndpoint } from './queue-endpoint.js';
import { retrying, type CallOptions } from './sqs-retry.js';

/** @internal What one receive asks for. */
export interface ReceiveOptions extends CallOptions {
  /** The most messages to take. @default {@link SQS_BATCH_LIMIT} */
  readonly max?: number;
  /** Seconds to wait for a first message (a long poll). */
  readonly waitSeconds: number;
  /** Seconds the messages stay hidden. @default the queue's visibility timeout */
  readonly visibilityTimeoutSec?: number | undefined;
  /** Whether to ask for each message's `ApproximateReceiveCount`. @default false */
  readonly receiveCount?: boolean;
}

/**
 * @internal One ReceiveMessage on `from`, retried on transient errors for up to its outage
 * budget (see {@link retrying}); aborting `signal` ends a long poll or a wait at once.
 */
export function receiveMessages(from: QueueEndpoint, options: ReceiveOptions): Promise<Message[]> {
  const { max = SQS_BATCH_LIMIT, waitSeconds, visibilityTimeoutSec, receiveCount = false, signal } = options;
  const input = {
    QueueUrl: from.url,
    MaxNumberOfMessages: max,
    WaitTimeSeconds: waitSeconds,
    ...(visibilityTimeoutSec === undefined ? {} : { VisibilityTimeout: visibilityTimeoutSec }),
    ...(receiveCount ? { MessageSystemAttributeNames: ['ApproximateReceiveCount' as const] } : {}),
  };
  const receive = async (): Promise<Message[]> =>
    (await from.client.send(new ReceiveMessageCommand(input), signal === undefined ? {} : { abortSignal: signal }))
      .Messages ?? [];
  return retrying(from.retry, 'ReceiveMessage', from.name, receive, options);
}
