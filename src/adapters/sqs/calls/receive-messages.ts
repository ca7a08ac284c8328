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
  /**
   * Whether aborting `signal` also cuts a long poll in flight. SQS may still hand messages to a
   * poll whose connection was cut, and they stay hidden for their visibility timeout: a worker
   * lets its last poll end instead, and gives back what it brings. @default true
   */
  readonly cutPoll?: boolean;
}

/**
 * @internal One ReceiveMessage on `from`, retried on transient errors for up to its outage
 * budget (see {@link retrying}); aborting `signal` ends a wait between tries at once, and a long
 * poll too unless `cutPoll` is false.
 */
export function receiveMessages(from: QueueEndpoint, options: ReceiveOptions): Promise<Message[]> {
  const { max = SQS_BATCH_LIMIT, waitSeconds, visibilityTimeoutSec, receiveCount = false, signal } = options;
  const abortSignal = options.cutPoll === false ? undefined : signal;
  const input = {
    QueueUrl: from.url,
    MaxNumberOfMessages: max,
    WaitTimeSeconds: waitSeconds,
    ...(visibilityTimeoutSec === undefined ? {} : { VisibilityTimeout: visibilityTimeoutSec }),
    ...(receiveCount ? { MessageSystemAttributeNames: ['ApproximateReceiveCount' as const] } : {}),
  };
  const receive = async (): Promise<Message[]> =>
    (await from.client.send(new ReceiveMessageCommand(input), abortSignal === undefined ? {} : { abortSignal }))
      .Messages ?? [];
  return retrying(from.retry, 'ReceiveMessage', from.name, receive, options);
}
