import { hostname } from 'node:os';
import type { WorkerAddress } from '../../flows/serialized-error.js';

/**
 * @internal This process as a worker: its host name and pid, which every error it sends back
 * carries (so an operator knows whose log to read), and the `host pid N` text of it.
 */
export function thisWorker(): WorkerAddress {
  return { host: hostname(), pid: process.pid };
}

/** @internal `host pid N`: a worker as people read it. */
export function workerText(worker: WorkerAddress): string {
  return `${worker.host} pid ${worker.pid}`;
}
