import { Observable, interval, type SchedulerLike } from 'rxjs';
import type { ExecutionEvent } from './execution-event.js';
import { createProgressBars, done, eta, formatSecs, type ProgressSink, type ProgressView } from './progress-bars.js';
import { createProgressCounter, type ProgressSnapshot } from './progress.js';

export type { ProgressSink } from './progress-bars.js';

/** Options of {@link renderProgress}. @internal */
export interface RenderProgressOptions {
  /** Milliseconds between redraws. @default 250 on a terminal, 10000 for the plain log */
  readonly intervalMs?: number;
  /** Expected tasks per operation (from a dry run), for the bars' totals and ETA. */
  readonly totals?: Readonly<Record<string, number>>;
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
    const last = (): void => {
      if (stopped) return;
      // A run that failed before its first event (a refused checkpoint) has no progress to show.
      if (seen) view.draw(counter.snapshot(true));
      stop();
    };
    subscriber.add(interval(intervalMs, scheduler).subscribe(() => view.draw(counter.snapshot(false))));
    subscriber.add(
      events.subscribe({
        next: (event) => {
          seen = true;
          counter.add(event);
          subscriber.next(event);
        },
        error: (error: unknown) => {
          last();
          subscriber.error(error);
        },
        complete: () => {
          last();
          subscriber.complete();
        },
      }),
    );
    subscriber.add(stop);
  });
}

/** One plain line per snapshot, for logs that are not a terminal. @internal */
export function createProgressLog(sink: ProgressSink, totals?: Readonly<Record<string, number>>): ProgressView {
  return {
    draw: (snapshot) => void sink.write(`${formatProgressLine(snapshot, totals)}\n`),
    stop: () => {},
  };
}

/** `[mazepa] 12.0s op 1200/2000 (submitted 1400, ok 1190, failed 0, skipped 10) 653/s ETA 1s | ...`. @internal */
export function formatProgressLine(snapshot: ProgressSnapshot, totals?: Readonly<Record<string, number>>): string {
  const parts = Object.entries(snapshot.operations).map(([name, p]) => {
    const total = Math.max(totals?.[name] ?? 0, p.submitted - p.retried + p.skipped, done(p));
    return (
      `${name} ${done(p)}/${total} (submitted ${p.submitted - p.retried}, ok ${p.succeeded}, failed ${p.failed}, ` +
      `skipped ${p.skipped}) ` +
      `${p.ratePerSec.toFixed(0)}/s ETA ${formatSecs(eta(p, total))}`
    );
  });
  const when = `${(snapshot.elapsedMs / 1000).toFixed(1)}s`;
  return `[mazepa] ${snapshot.done ? `done in ${when}` : when} ${parts.join(' | ') || 'no tasks yet'}`;
}
