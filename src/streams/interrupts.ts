import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import { MazepaError } from '../flows/errors.js';

/** The signals that interrupt a run with a checkpoint. @internal */
export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * While subscribed, SIGINT and SIGTERM abort `controller` (so the run fails with a cancellation
 * and its checkpoint is written on the way out) instead of killing the process at once. Once the
 * run is over, the signal is raised again if nobody else listens to it, so the process still
 * ends as it would have; a second Ctrl-C meanwhile ends it at once.
 *
 * @internal
 */
export function abortOnSignals<T>(controller: AbortController): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      let received: NodeJS.Signals | undefined;
      const handlers = INTERRUPT_SIGNALS.map((signal) => {
        const handler = (): void => {
          received = signal;
          for (const [s, h] of handlers) process.removeListener(s, h);
          controller.abort(new MazepaError(`Interrupted by ${signal}`));
        };
        process.once(signal, handler);
        return [signal, handler] as const;
      });
      subscriber.add(source.subscribe(subscriber));
      return () => {
        for (const [s, h] of handlers) process.removeListener(s, h);
        if (received !== undefined && process.listenerCount(received) === 0) process.kill(process.pid, received);
      };
    });
}
