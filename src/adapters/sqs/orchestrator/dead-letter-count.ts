import type { SQSClient } from '@aws-sdk/client-sqs';
import { deadLetterCounts, findDeadLetter } from '../calls/dead-letter-queue.js';

/** How long the dead-letter queue found is trusted before its redrive policy is read again. */
const FIND_EVERY_MS = 60_000;

/**
 * @internal The number of messages in a task queue's dead-letter queue, for `depth()`: the queue
 * is found from the task queue's redrive policy at most once a minute (three calls), and counted
 * at each question (one GetQueueAttributes). `undefined` when there is none, or the count cannot
 * be read now; never rejects.
 *
 * @example
 * ```text
 * const deadLetters = new DeadLetterCount(client, 'mazepa-tasks');
 * await deadLetters.count(taskQueueUrl); // 3
 * ```
 */
export class DeadLetterCount {
  #found: { readonly url: string | undefined; readonly name: string; readonly until: number } | undefined;

  constructor(
    private readonly client: SQSClient,
    private readonly queueName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async count(taskQueueUrl: string): Promise<number | undefined> {
    try {
      const found = this.#found;
      if (found === undefined || this.now() >= found.until) {
        const info = await findDeadLetter(this.client, taskQueueUrl, this.queueName);
        this.#found = { url: info?.url, name: info?.name ?? '', until: this.now() + FIND_EVERY_MS };
        return info?.messages;
      }
      if (found.url === undefined) return undefined;
      return (await deadLetterCounts(this.client, found.url, found.name))?.messages;
    } catch {
      return undefined; // shown as it was: a depth is worth nothing against a failed run
    }
  }
}
