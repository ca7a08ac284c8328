import { Observable, interval, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs';
import type { ExecutionEvent } from '../streams/execution-event.js';
import type { DashboardFrame } from './dashboard-frame.js';
import type { DashboardState } from './dashboard-state.js';

/** Options of {@link aggregateEvents}. @internal */
export interface AggregateOptions {
  readonly state: DashboardState;
  readonly scheduler: SchedulerLike;
  /** Called with a delta at most once per `periodMs`, and once more when the run ends. */
  readonly onFrame: (frame: DashboardFrame) => void;
  /** @default 1000 */
  readonly periodMs?: number;
}

/**
 * Passes an execution's events through unchanged while counting them into `state`; every
 * `periodMs` on `scheduler` closes a throughput bucket and hands one coalesced delta to `onFrame`
 * (however many events came in between), and a last one when the run completes, fails or is
 * unsubscribed. @internal
 *
 * @example
 * ```text
 * execution(flow).pipe(aggregateEvents({ state, scheduler: asyncScheduler, onFrame: broadcast }))
 * ```
 */
export function aggregateEvents(options: AggregateOptions): MonoTypeOperatorFunction<ExecutionEvent> {
  const { state, scheduler, onFrame } = options;
  const periodMs = options.periodMs ?? 1000;
  return (source) =>
    new Observable<ExecutionEvent>((subscriber) => {
      let ended = false;
      const finish = (end: () => void): void => {
        if (ended) return;
        ended = true;
        end();
        state.tick();
        onFrame(state.frame(false));
      };
      const ticks = interval(periodMs, scheduler).subscribe(() => {
        state.tick();
        onFrame(state.frame(false));
      });
      const events = source.subscribe({
        next: (event) => {
          state.add(event);
          subscriber.next(event);
        },
        error: (error: unknown) => {
          ticks.unsubscribe();
          finish(() => state.end('failed', error));
          subscriber.error(error);
        },
        complete: () => {
          ticks.unsubscribe();
          finish(() => undefined);
          subscriber.complete();
        },
      });
      return () => {
        ticks.unsubscribe();
        events.unsubscribe();
        finish(() => state.end('cancelled'));
      };
    });
}
