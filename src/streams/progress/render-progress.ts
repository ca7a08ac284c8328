import { Observable, interval, type ObservableInput, type SchedulerLike } from 'rxjs';
import type { ExecutionEvent } from '../execution-event.js';
import {
  createProgressBars,
  done,
  eta,
  formatSecs,
  type DrawnSnapshot,
  type ProgressSink,
  type ProgressView,
} from './progress-bars.js';
import type { QueueDepth } from '../queue-depth.js';
import { createProgressCounter } from './progress.js';
import { formatQueueLine, pollDepth } from './queue-line.js';

export type { ProgressSink } from './progress-bars.js';

/** Options of {@link renderProgress}. @internal */
export interface RenderProgressOptions {
  /** Milliseconds between redraws. @default 250 on a terminal, 10000 for the plain log */
  readonly intervalMs?: number;
  /** Expected tasks per operation (from a dry run), for the bars' totals and ETA. */
  readonly totals?: Readonly<Record<string, number>>;
  /** The queue's depth (`ExecutionQueue.depth`), shown below the bars: where the tasks in flight are. */
  readonly depth?: () => ObservableInput<QueueDepth>;
  /** Milliseconds between two questions of `depth`. @default 5000 */
  readonly depthEveryMs?: number;
}

/**
 * Passes `events` through, and meanwhile shows progress on `sink`: live bars (one per
 * operation) when it is a terminal, else one plain line per interval; and once more at the end.
 *
 * @internal wired by `execute` for `showProgress`
 */
export function renderProgress(
  events: Observable<ExecutionEvent>,
  sink: ProgressSink,
  scheduler: SchedulerLike,
  options: RenderProgressOptions = {},
): Observable<ExecutionEvent> {
  const tty = sink.isTTY === true;
  const intervalMs = options.intervalMs ?? (tty ? 250 : 10_000);
  return new Observable<ExecutionEvent>((subscriber) => {
    const view = tty ? createProgressBars(sink, options.totals) : createProgressLog(sink, options.totals);
    let stopped = false;
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      view.stop();
    };
    // Counting is all that happens per event; drawing happens on the interval.
    const counter = createProgressCounter(scheduler);
    let seen = false;
    const last = (completed: boolean): void => {
      if (stopped) return;
      // A run that failed before its first event (a refused checkpoint) has no progress to show.
      // One that failed or was interrupted shows where it stopped, not "done".
      if (seen) view.draw(completed ? counter.snapshot(true) : { ...counter.snapshot(false), stopped: true });
      stop();
    };
    // A queue that sends tasks away is asked, at a low rate, how many of its messages wait and
    // how many workers hold: a stall shows (tasks in flight, none waiting, held, no progress).
    let queueDepth: QueueDepth | undefined;
    const { depth } = options;
    if (depth !== undefined) {
      const every = options.depthEveryMs ?? 5000;
      subscriber.add(pollDepth(depth, every, scheduler).subscribe((d) => (queueDepth = d)));
    }
    const snapshot = (): DrawnSnapshot => {
      const now = counter.snapshot(false);
      return queueDepth === undefined ? now : { ...now, queueDepth };
    };
    subscriber.add(interval(intervalMs, scheduler).subscribe(() => view.draw(snapshot())));
    subscriber.add(
      events.subscribe({
        next: (event) => {
          seen = true;
          counter.add(event);
          subscriber.next(event);
        },
        error: (error: unknown) => {
          last(false);
          subscriber.error(error);
        },
        complete: () => {
          last(true);
          subscriber.complete();
        },
      }),
    );
    subscriber.add(stop);
  });
}

/** Plain lines per snapshot, one per operation, for logs that are not a terminal. @internal */
export function createProgressLog(sink: ProgressSink, totals?: Readonly<Record<string, number>>): ProgressView {
  return {
    draw: (snapshot) =>
      void sink.write(
        formatProgressLines(snapshot, totals)
          .map((line) => `${line}\n`)
          .join(''),
      ),
    stop: () => {},
  };
}

/**
 * `[mazepa] 12.0s op 1200/2000 (submitted 1400, ok 1190, failed 0, skipped 10) 653/s ETA 1s`, one
 * line per operation; `retried N` is added once a task of that operation was retried. The last
 * snapshot says `done in`, or `stopped after` when the run failed or was interrupted.
 *
 * @internal
 */
export function formatProgressLines(snapshot: DrawnSnapshot, totals?: Readonly<Record<string, number>>): string[] {
  const secs = `${(snapshot.elapsedMs / 1000).toFixed(1)}s`;
  const when = snapshot.stopped === true ? `stopped after ${secs}` : snapshot.done ? `done in ${secs}` : secs;
  const lines = Object.entries(snapshot.operations).map(([name, p]) => {
    const total = Math.max(totals?.[name] ?? 0, p.submitted - p.retried + p.skipped, done(p));
    return (
      `[mazepa] ${when} ${name} ${done(p)}/${total} (submitted ${p.submitted}, ok ${p.succeeded}, ` +
      `failed ${p.failed}, skipped ${p.skipped}${p.retried > 0 ? `, retried ${p.retried}` : ''}) ` +
      `${p.ratePerSec.toFixed(0)}/s ETA ${formatSecs(eta(p, total))}`
    );
  });
  if (lines.length === 0) return [`[mazepa] ${when} no tasks yet`];
  const depth = snapshot.queueDepth;
  if (depth !== undefined && !snapshot.done)
    lines.push(`[mazepa] ${when} ${formatQueueLine(snapshot.total.inFlight, depth)}`);
  return lines;
}
