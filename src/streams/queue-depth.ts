/**
 * How many messages a queue holds, by state: what a queue that sends tasks away can tell of
 * where they are (see `ExecutionQueue.depth`). Counts messages of the whole queue, not tasks of
 * one run: a message may hold several tasks (a pack), and other runs may share the queue.
 *
 * @example
 * ```ts
 * import type { QueueDepth } from 'mazepa';
 * const depth: QueueDepth = { waiting: 0, inFlight: 1, delayed: 0 };
 * if (depth.waiting === 0 && depth.inFlight > 0) console.log('all taken by workers');
 * ```
 */
export interface QueueDepth {
  /** Messages that a worker can take now. */
  readonly waiting: number;
  /**
   * Messages taken by workers and not yet done with: running, or waiting in a worker for a free
   * slot. A worker that died holds its messages until their visibility timeout ends.
   */
  readonly inFlight: number;
  /** Messages sent with a delay that has not passed yet. */
  readonly delayed: number;
  /**
   * Messages in the queue's dead-letter queue (tasks no worker could read or answer), when it
   * has one and the queue can tell.
   */
  readonly deadLetters?: number;
}
