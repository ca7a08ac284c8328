import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { MAX_MESSAGE_BYTES } from '../../flows/envelope-text.js';
import { SqsQueueError, wrapSqsError } from './sqs-error.js';

/** A message to send and its size in UTF-8 bytes. @internal */
export interface OutgoingMessage {
  readonly body: string;
  readonly bytes: number;
}

/** Where messages go. @internal */
export interface Destination {
  readonly client: SQSClient;
  readonly url: string;
  readonly name: string;
}

const ENTRY_TRIES = 3;

/**
 * @internal Sends up to 10 messages (at most 256 KiB in all) in one SendMessageBatch. Resolves to
 * one entry per message: `undefined` when sent, else its error. Entries that failed on the
 * server's side are tried again; a failure of the whole call rejects.
 */
export async function sendBatch(to: Destination, bodies: readonly string[]): Promise<(SqsQueueError | undefined)[]> {
  const results: (SqsQueueError | undefined)[] = bodies.map(() => undefined);
  let pending = bodies.map((_, i) => i);
  for (let tries = 1; pending.length > 0; tries++) {
    let response;
    try {
      response = await to.client.send(
        new SendMessageBatchCommand({
          QueueUrl: to.url,
          Entries: pending.map((i) => ({ Id: String(i), MessageBody: bodies[i]! })),
        }),
      );
    } catch (error) {
      throw wrapSqsError(error, 'SendMessageBatch', to.name);
    }
    const retry: number[] = [];
    for (const failed of response.Failed ?? []) {
      const index = Number(failed.Id);
      if (failed.SenderFault !== true && tries < ENTRY_TRIES) retry.push(index);
      else {
        results[index] = new SqsQueueError(
          `SQS SendMessageBatch on queue '${to.name}' refused a message: ${failed.Code ?? 'error'}: ${failed.Message ?? ''}`,
          { queueName: to.name, operation: 'SendMessageBatch' },
        );
      }
    }
    pending = retry;
  }
  return results;
}

/** @internal Groups messages into batches of at most 10 and 256 KiB, in order. */
export function packBatches(messages: readonly OutgoingMessage[]): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const message of messages) {
    if (current.length === 10 || (current.length > 0 && bytes + message.bytes > MAX_MESSAGE_BYTES)) {
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
export async function sendAll(to: Destination, messages: readonly OutgoingMessage[], limiter: Limiter): Promise<void> {
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
