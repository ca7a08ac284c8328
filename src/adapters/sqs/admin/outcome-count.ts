import { ChangeMessageVisibilityBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { isOutcomePack, unpackOutcomes } from '../messages/outcome-pack.js';
import { wrapSqsError } from '../calls/sqs-error.js';

/** @internal Receives made at most to count one queue's outcomes (10 messages each). */
export const COUNT_RECEIVES = 100;

/** Seconds the messages read are hidden while they are counted (they are put back at once). */
const HOLD_SEC = 10;

/**
 * @internal The outcomes in the messages of an outcome queue nobody reads (an orphan's): a pack
 * counts for each outcome it holds. The messages are received, counted and made visible again at
 * once (or after 10 s); at most `maxReceives` receives, so the count of a very deep queue is a
 * lower bound (`complete: false`), as it is when a short poll misses some messages.
 */
export async function countOutcomes(
  client: SQSClient,
  url: string,
  name: string,
  maxReceives = COUNT_RECEIVES,
): Promise<{ outcomes: number; messages: number; complete: boolean }> {
  let outcomes = 0;
  let messages = 0;
  let complete = false;
  const held: string[] = [];
  try {
    for (let i = 0; i < maxReceives; i++) {
      let batch;
      try {
        batch = await client.send(
          new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: HOLD_SEC }),
        );
      } catch (error) {
        throw wrapSqsError(error, 'ReceiveMessage', name);
      }
      const received = batch.Messages ?? [];
      if (received.length === 0) {
        complete = true;
        break;
      }
      for (const message of received) {
        messages++;
        outcomes += outcomesIn(message.Body);
        if (message.ReceiptHandle !== undefined) held.push(message.ReceiptHandle);
      }
    }
  } finally {
    await putBack(client, url, held);
  }
  return { outcomes, messages, complete };
}

/** How many outcomes a message holds: a pack's count, else one (a bad pack counts as one). */
function outcomesIn(body: string | undefined): number {
  if (!isOutcomePack(body)) return 1;
  try {
    return unpackOutcomes(body).length;
  } catch {
    return 1;
  }
}

/** Makes the counted messages visible again, best effort (else they show after HOLD_SEC). */
async function putBack(client: SQSClient, url: string, receipts: readonly string[]): Promise<void> {
  for (let i = 0; i < receipts.length; i += 10) {
    const Entries = receipts.slice(i, i + 10).map((ReceiptHandle, j) => ({
      Id: String(j),
      ReceiptHandle,
      VisibilityTimeout: 0,
    }));
    await client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries })).catch(() => undefined);
  }
}
