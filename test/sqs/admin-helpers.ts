// Helpers of the `mazepa queues` tests: outcome queues as live and dead runs leave them.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ListQueueTagsCommand, TagQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { OUTCOME_TAGS } from '../../src/adapters/sqs/orchestrator/outcome-heartbeat.js';
import { makeQueue, queueNames } from './helpers.js';

/** A queue as a run of `taskQueue` leaves it behind: tagged, its last heartbeat `ageMs` ago. */
export async function leftBehind(
  client: SQSClient,
  name: string,
  taskQueue: string,
  ageMs: number,
  executionId = 'exec-dead',
): Promise<string> {
  const url = await makeQueue(client, name);
  const Tags = {
    [OUTCOME_TAGS.taskQueue]: taskQueue,
    [OUTCOME_TAGS.executionId]: executionId,
    [OUTCOME_TAGS.heartbeat]: String(Date.now() - ageMs),
  };
  await client.send(new TagQueueCommand({ QueueUrl: url, Tags }));
  return url;
}

/**
 * Resolves with a queue's heartbeat once it carries one of at least `atLeast` and at most
 * `atMost` (each try waits for the server's answer); throws after 500 tries.
 */
export async function heartbeatOf(client: SQSClient, url: string, atLeast = 0, atMost = Infinity): Promise<number> {
  let last: string | undefined;
  for (let tries = 0; tries < 500; tries++) {
    const { Tags = {} } = await client.send(new ListQueueTagsCommand({ QueueUrl: url }));
    last = Tags[OUTCOME_TAGS.heartbeat];
    if (last !== undefined && Number(last) >= atLeast && Number(last) <= atMost) return Number(last);
  }
  throw new Error(`no heartbeat tag in [${atLeast}, ${atMost}] on ${url} (last: ${String(last)})`);
}

/** Resolves with the name of the first queue named `prefix...` once it exists. */
export async function queueNamed(client: SQSClient, prefix: string): Promise<string> {
  for (let tries = 0; tries < 500; tries++) {
    const [name] = await queueNames(client, prefix);
    if (name !== undefined) return name;
  }
  throw new Error(`no queue named ${prefix}...`);
}

/** Stores `sizes.length` objects of those sizes under `prefix` (`<prefix>0`, `<prefix>1`, ...). */
export async function putObjects(
  s3: S3Client,
  bucket: string,
  prefix: string,
  sizes: readonly number[],
): Promise<void> {
  for (const [i, size] of sizes.entries()) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${i}`, Body: Buffer.alloc(size, 120) }));
  }
}
