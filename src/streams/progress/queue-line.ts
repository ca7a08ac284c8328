import {
  EMPTY,
  catchError,
  defer,
  exhaustMap,
  timer,
  type Observable,
  type ObservableInput,
  type SchedulerLike,
} from 'rxjs';
import type { QueueDepth } from '../queue-depth.js';

/**
 * @internal The depth of a queue, asked at once and then every `everyMs` (a question still
 * unanswered when the next is due is not asked twice); a question that fails is skipped.
 */
export function pollDepth(
  depth: () => ObservableInput<QueueDepth>,
  everyMs: number,
  scheduler: SchedulerLike,
): Observable<QueueDepth> {
  return timer(0, everyMs, scheduler).pipe(exhaustMap(() => defer(depth).pipe(catchError(() => EMPTY))));
}

/**
 * @internal The line that tells where a run's tasks are: `in flight 3 | task queue: 0 waiting,
 * 1 held by workers, 0 delayed (messages)`. In flight counts this run's tasks sent and not done;
 * the queue's counts are messages of the whole queue. Tasks in flight, none waiting, some held and
 * no progress: a worker holds them (running, or dead until their visibility timeout ends).
 */
export function formatQueueLine(inFlight: number, depth: QueueDepth): string {
  return (
    `in flight ${inFlight} | task queue: ${depth.waiting} waiting, ${depth.inFlight} held by workers, ` +
    `${depth.delayed} delayed (messages)`
  );
}
