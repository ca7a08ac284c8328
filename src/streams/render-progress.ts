import { Observable, Subject, type SchedulerLike } from 'rxjs';
import type { ExecutionEvent } from './execution-event.js';
import { progress, type ProgressSnapshot } from './progress.js';

/** Where progress lines go: stderr, or any writable with `write`. @internal */
export interface ProgressSink {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/**
 * Passes `events` through, and meanwhile writes a progress line per operation to `sink` every
 * `intervalMs` (rewritten in place on a TTY, appended otherwise) and once at the end.
 *
 * @internal
 */
export function renderProgress(
  events: Observable<ExecutionEvent>,
  sink: ProgressSink,
  scheduler: SchedulerLike,
  intervalMs = 1000,
): Observable<ExecutionEvent> {
  return new Observable<ExecutionEvent>((subscriber) => {
    let drawn = 0;
    const draw = (snapshot: ProgressSnapshot): void => {
      const lines = formatProgress(snapshot);
      if (sink.isTTY === true && drawn > 0) sink.write(`\x1b[${drawn}F\x1b[J`);
      sink.write(`${lines.join('\n')}\n`);
      drawn = lines.length;
    };
    const feed = new Subject<ExecutionEvent>();
    subscriber.add(feed.pipe(progress({ intervalMs, scheduler })).subscribe({ next: draw, error: () => {} }));
    subscriber.add(
      events.subscribe({
        next: (event) => {
          feed.next(event);
          subscriber.next(event);
        },
        error: (error: unknown) => {
          feed.error(error);
          subscriber.error(error);
        },
        complete: () => {
          feed.complete();
          subscriber.complete();
        },
      }),
    );
  });
}

/** One line per operation, then a total line when there are several. @internal */
export function formatProgress(snapshot: ProgressSnapshot): string[] {
  const entries = Object.entries(snapshot.operations);
  const line = (name: string, p: ProgressSnapshot['total']): string =>
    `[mazepa] ${name}: ${p.succeeded + p.skipped}/${p.submitted + p.skipped} done` +
    `${p.failed ? `, ${p.failed} failed` : ''}${p.skipped ? `, ${p.skipped} skipped` : ''}` +
    `${p.retried ? `, ${p.retried} retried` : ''}, ${p.ratePerSec.toFixed(0)}/s`;
  const lines = entries.map(([name, p]) => line(name, p));
  if (entries.length !== 1) lines.push(line('total', snapshot.total));
  if (snapshot.done) {
    lines.push(`[mazepa] ${snapshot.executionId} done in ${(snapshot.elapsedMs / 1000).toFixed(1)} s`);
  }
  return lines;
}
