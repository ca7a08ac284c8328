import type { ExecutionQueue } from '../streams/execution-queue.js';
import type { QueueDepth } from '../streams/queue-depth.js';

/** Queues whose tasks run in this process or its threads: no worker to wait for. */
const IN_PROCESS_QUEUES = new Set(['local', 'threads', 'marble']);

/** @internal Whether `queue` sends its tasks away, to workers that may or may not be there. */
export function sendsTasksAway(queue: ExecutionQueue): boolean {
  return !IN_PROCESS_QUEUES.has(queue.name);
}

/**
 * @internal Where the tasks in flight are (waiting, or held by workers), as an option for the
 * progress bars and the dashboard: from a queue that sends tasks away and can tell, else none.
 */
export function depthOption(queue: ExecutionQueue): { readonly depth?: () => Promise<QueueDepth> } {
  return !sendsTasksAway(queue) || queue.depth === undefined ? {} : { depth: () => queue.depth!() };
}
