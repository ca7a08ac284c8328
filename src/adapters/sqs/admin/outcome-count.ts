import type { SQSClient } from '@aws-sdk/client-sqs';
import { releaseMessages } from '../calls/message-batches.js';
import { receiveMessages } from '../calls/receive-messages.js';
import { ADMIN_BUDGET } from '../calls/sqs-retry.js';
import { isOutcomePack, unpackOutcomes } from '../messages/outcome-pack.js';

/** @internal Receives made at most to count one queue's outcomes (a full batch each). */
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
  const queue = { client, url, name, retry: ADMIN_BUDGET };
  try {
    for (let i = 0; i < maxReceives; i++) {
      const received = await receiveMessages(queue, { waitSeconds: 0, visibilityTimeoutSec: HOLD_SEC });
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
    await releaseMessages(queue, held); // else they show again after HOLD_SEC
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
