import { Observable, timer, type SchedulerLike, type Subscription } from 'rxjs';
import type { ExecutionEvent } from '../execution-event.js';

/** Options of {@link warnWhenStalled}. @internal */
export interface StallWarningOptions {
  /** The queue's name, for the message. */
  readonly queueName: string;
  /** Milliseconds without an outcome, while tasks are in flight, before the warning. @default 60000 */
  readonly afterMs?: number;
  /** Where the one warning goes. */
  readonly warn: (message: string) => void;
  /** The clock of the wait. */
  readonly scheduler: SchedulerLike;
}

/**
 * Passes `events` through and, when tasks are in flight and no outcome has come back for
 * `afterMs`, says so once: on a remote queue that usually means no worker is running.
 *
 * @internal wired by `execute` for queues that send tasks away
 */
export function warnWhenStalled(
  events: Observable<ExecutionEvent>,
  options: StallWarningOptions,
): Observable<ExecutionEvent> {
  const afterMs = options.afterMs ?? 60_000;
  return new Observable<ExecutionEvent>((subscriber) => {
    let inFlight = 0;
    let warned = false;
    let wait: Subscription | undefined;
    const restart = (): void => {
      wait?.unsubscribe();
      wait = undefined;
      if (warned || inFlight <= 0) return;
      wait = timer(afterMs, options.scheduler).subscribe(() => {
        warned = true;
        options.warn(
          `mazepa: no worker has taken a task from '${options.queueName}' in ${Math.round(afterMs / 1000)} s ` +
            `(${inFlight} task(s) waiting, no outcome came back); is one running?`,
        );
      });
    };
    subscriber.add(
      events.subscribe({
        next: (event) => {
          switch (event.type) {
            case 'task_submitted':
              inFlight++;
              if (wait === undefined) restart();
              break;
            case 'task_succeeded':
            case 'task_failed':
            case 'task_retried':
              inFlight--;
              restart();
              break;
          }
          subscriber.next(event);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
    subscriber.add(() => wait?.unsubscribe());
  });
}
