import type { WorkerFacts } from '../flows/worker-facts.js';
import type { WorkerRow } from './dashboard-frame.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The workers seen on a run's outcomes, by host and pid: what each finished and failed for this
 * run, and the last facts it reported (tasks running, tasks done since it started, memory). At
 * most `maxWorkers` are kept: a new one pushes out the one seen longest ago. @internal
 *
 * @example
 * ```text
 * const workers = new WorkerTable(1000);
 * workers.see({ host: 'node-1', pid: 42, tasksRunning: 3, rssBytes: 1e8 }, true, Date.now());
 * ```
 */
export class WorkerTable {
  /** In the order they were last seen, oldest first. */
  private readonly rows = new Map<string, Mutable<WorkerRow>>();
  private readonly dirty = new Set<string>();

  constructor(private readonly maxWorkers: number) {}

  /** One outcome from `worker`: a task it finished (`succeeded`) or failed. */
  see(worker: WorkerFacts, succeeded: boolean, now: number): void {
    const key = `${worker.host}:${worker.pid}`;
    let row = this.rows.get(key);
    if (row === undefined) {
      if (this.rows.size >= this.maxWorkers) {
        const oldest = this.rows.keys().next().value!;
        this.rows.delete(oldest);
        this.dirty.delete(oldest);
      }
      row = {
        key,
        host: worker.host,
        pid: worker.pid,
        done: 0,
        failed: 0,
        running: null,
        lastSeen: 0,
        rssBytes: null,
        totalDone: null,
      };
    } else this.rows.delete(key); // seen again: it moves to the end
    this.rows.set(key, row);
    row.done++;
    if (!succeeded) row.failed++;
    row.lastSeen = now;
    if (worker.tasksRunning !== undefined) row.running = worker.tasksRunning;
    if (worker.rssBytes !== undefined) row.rssBytes = worker.rssBytes;
    // Outcomes may come out of order: the count only grows.
    if (worker.tasksDone !== undefined) row.totalDone = Math.max(row.totalDone ?? 0, worker.tasksDone);
    this.dirty.add(key);
  }

  get size(): number {
    return this.rows.size;
  }

  /** Every worker kept (`full`), or those seen since the last delta. */
  list(full: boolean): WorkerRow[] {
    const keys = full ? [...this.rows.keys()] : [...this.dirty];
    if (!full) this.dirty.clear();
    return keys.map((key) => ({ ...this.rows.get(key)! }));
  }
}
