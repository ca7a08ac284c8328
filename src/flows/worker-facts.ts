import type { WorkerAddress } from './serialized-error.js';

/**
 * What a remote worker says of itself on each outcome it sends back (SQS workers, to an
 * orchestrator that reads them): which process it is, and a few counts. A few bytes per outcome,
 * covered by the message's signature when a signing key is set. The dashboard's workers panel is
 * made of them; `task_succeeded` events carry them on `outcome.worker`.
 *
 * @example
 * ```ts
 * import { execution, type WorkerFacts } from 'mazepa';
 * execution(flow).subscribe((e) => {
 *   const worker: WorkerFacts | undefined = e.type === 'task_succeeded' ? e.outcome.worker : undefined;
 *   if (worker !== undefined) console.log(`${worker.host} pid ${worker.pid}: ${worker.tasksRunning} running`);
 * });
 * ```
 */
export interface WorkerFacts extends WorkerAddress {
  /** Tasks the worker process finished since it started (for every run), this one included. */
  readonly tasksDone?: number;
  /** Tasks it was running when it sent this outcome, this one included. */
  readonly tasksRunning?: number;
  /** Its resident memory in bytes. */
  readonly rssBytes?: number;
}
