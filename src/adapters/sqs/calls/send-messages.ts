import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { MAX_MESSAGE_BYTES } from '../../remote/envelope-text.js';
import { batchCall } from './batch-call.js';
import { SQS_BATCH_LIMIT } from './batch-limit.js';
import type { SqsQueueError } from './sqs-error.js';
import type { QueueEndpoint } from './queue-endpoint.js';

/** A message to send and its size in UTF-8 bytes. @internal */
export interface OutgoingMessage {
  readonly body: string;
  readonly bytes: number;
}

/**
 * @internal Sends up to {@link SQS_BATCH_LIMIT} messages (at most 256 KiB in all) in one SendMessageBatch. Resolves to
 * one entry per message: `undefined` when sent, else its error. Transient failures of the whole
 * call, and entries that failed on the server's side, are tried again (only those entries) for
 * up to the outage budget; a whole call that fails for good rejects.
 */
export function sendBatch(to: QueueEndpoint, bodies: readonly string[]): Promise<(SqsQueueError | undefined)[]> {
  return batchCall(to.retry, 'SendMessageBatch', to.name, bodies.length, async (indices) => {
    const Entries = indices.map((i) => ({ Id: String(i), MessageBody: bodies[i]! }));
    return (await to.client.send(new SendMessageBatchCommand({ QueueUrl: to.url, Entries }))).Failed;
  });
}

/** @internal Groups messages into batches of at most {@link SQS_BATCH_LIMIT} messages and 256 KiB, in order. */
export function packBatches(messages: readonly OutgoingMessage[]): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const message of messages) {
    if (current.length === SQS_BATCH_LIMIT || (current.length > 0 && bytes + message.bytes > MAX_MESSAGE_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message.body);
    bytes += message.bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** @internal Runs async jobs with at most `limit` in flight, in the order they are asked for. */
export interface Limiter {
  run<T>(job: () => Promise<T>): Promise<T>;
}

/** @internal A {@link Limiter} of `limit` jobs in flight. */
export function createLimiter(limit: number): Limiter {
  let active = 0;
  const waiting: (() => void)[] = [];
  return {
    async run(job) {
      if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
      else active++;
      try {
        return await job();
      } finally {
        const next = waiting.shift();
        if (next !== undefined)
          next(); // the slot passes on
        else active--;
      }
    },
  };
}

/**
 * @internal Sends messages in batches through `limiter` (shared by every push of a queue, so
 * that the requests in flight stay bounded); rejects with the first error, after which the
 * batches not yet started are not sent.
 */
export async function sendAll(
  to: QueueEndpoint,
  messages: readonly OutgoingMessage[],
  limiter: Limiter,
): Promise<void> {
  let failure: unknown;
  const send = async (batch: readonly string[]): Promise<void> => {
    if (failure !== undefined) return;
    try {
      const errors = await sendBatch(to, batch);
      const error = errors.find((e) => e !== undefined);
      if (error !== undefined) throw error;
    } catch (error) {
      failure ??= error;
    }
  };
  await Promise.all(packBatches(messages).map((batch) => limiter.run(() => send(batch))));
  if (failure !== undefined) throw failure;
}
