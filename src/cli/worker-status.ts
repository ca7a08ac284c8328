import { asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';
import type { WorkerEvent } from '../adapters/sqs/worker/worker-options.js';

/** Options of {@link createWorkerStatus}. @internal */
export interface WorkerStatusOptions {
  /** Where each status line goes. */
  readonly log: (line: string) => void;
  /** Milliseconds between status lines. @default 60000 */
  readonly everyMs?: number;
  /** The clock and the timer of the lines (a TestScheduler in tests). @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

/** Counts a worker's events and prints a status line on an interval. @internal */
export interface WorkerStatus {
  /** Counts one event. */
  add(event: WorkerEvent): void;
  /** The status line as of now (also what each interval prints). */
  line(): string;
  /** Stops the interval. */
  stop(): void;
}

/**
 * A worker's status, printed every `everyMs` without `--verbose`, so a log shows that a worker is
 * alive and what it does between its start and its stop:
 * `mazepa worker: status: 2 running, 118 done (3 failed), 40 task(s)/min in the last 1 min`.
 * `done` counts the tasks run to an end since the start (succeeded or failed); the rate counts those
 * of the last interval; dropped and rejected messages are added when there were any.
 *
 * @internal wired by `mazepa worker`
 */
export function createWorkerStatus(options: WorkerStatusOptions): WorkerStatus {
  const everyMs = options.everyMs ?? 60_000;
  if (typeof everyMs !== 'number' || !(everyMs > 0) || !Number.isFinite(everyMs)) {
    throw new TypeError(`createWorkerStatus: option 'everyMs' must be a number > 0, received ${String(everyMs)}`);
  }
  const scheduler = options.scheduler ?? asyncScheduler;
  /** Keys (task id and attempt) of the tasks started and not finished. */
  const running = new Set<string>();
  const counts = { done: 0, failed: 0, dropped: 0, rejected: 0 };
  let doneAtLastLine = 0;
  let lastLineAt = scheduler.now();
  const key = (e: { taskId: string; attempt: number }): string => `${e.attempt} ${e.taskId}`;
  const line = (): string => {
    const minutes = Math.max(scheduler.now() - lastLineAt, 1) / 60_000;
    const rate = (counts.done - doneAtLastLine) / minutes;
    const extra = [
      counts.dropped > 0 ? `, ${counts.dropped} dropped` : '',
      counts.rejected > 0 ? `, ${counts.rejected} rejected` : '',
    ].join('');
    const over = everyMs % 60_000 === 0 ? `${everyMs / 60_000} min` : `${(everyMs / 1000).toFixed(0)} s`;
    return (
      `mazepa worker: status: ${running.size} running, ${counts.done} done (${counts.failed} failed)${extra}, ` +
      `${rate < 10 ? rate.toFixed(1) : rate.toFixed(0)} task(s)/min in the last ${over}`
    );
  };
  const subscription: Subscription = scheduler.schedule(function tick() {
    options.log(line());
    doneAtLastLine = counts.done;
    lastLineAt = scheduler.now();
    this.schedule(undefined, everyMs);
  }, everyMs);
  return {
    add(event) {
      switch (event.type) {
        case 'task_started':
          running.add(key(event));
          break;
        case 'task_finished':
          running.delete(key(event));
          counts.done++;
          if (event.failed) counts.failed++;
          break;
        case 'task_dropped':
          counts.dropped++;
          break;
        case 'message_rejected':
          counts.rejected++;
          break;
        case 'worker_stopped':
          subscription.unsubscribe();
          break;
      }
    },
    line,
    stop: () => subscription.unsubscribe(),
  };
}
