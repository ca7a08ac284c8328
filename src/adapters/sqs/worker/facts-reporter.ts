import { hostname } from 'node:os';
import type { TaskOutcome } from '../../../flows/task.js';
import type { TaskEnvelope } from '../../remote/envelope.js';
import { readsWorkerFacts, type WorkerFacts } from '../../remote/worker-facts.js';

/** How often the resident memory is read at most (reading it costs a system call). */
const RSS_EVERY_MS = 1000;

/**
 * @internal What this worker process says of itself on its outcomes: host and pid, the tasks it
 * finished and runs, and its memory (read at most once a second).
 *
 * @example
 * ```text
 * const reporter = new FactsReporter();
 * reporter.facts(41, 3); // { host, pid, tasksDone: 41, tasksRunning: 3, rssBytes }
 * ```
 */
export class FactsReporter {
  readonly #host = hostname();
  #rss = 0;
  #rssAt = Number.NEGATIVE_INFINITY;
  /** Tasks run to their end (their outcome made). */
  #ran = 0;

  /** `outcome` with these facts when the task's orchestrator reads them; the task counts as run either way. */
  withFacts(envelope: TaskEnvelope, outcome: TaskOutcome, tasksRunning: number): TaskOutcome {
    const done = ++this.#ran;
    if (!readsWorkerFacts(envelope.run)) return outcome;
    return { ...outcome, worker: this.facts(done, tasksRunning) };
  }

  facts(tasksDone: number, tasksRunning: number): WorkerFacts {
    const now = performance.now();
    if (now - this.#rssAt >= RSS_EVERY_MS) {
      this.#rss = process.memoryUsage.rss();
      this.#rssAt = now;
    }
    return { host: this.#host, pid: process.pid, tasksDone, tasksRunning, rssBytes: this.#rss };
  }
}
