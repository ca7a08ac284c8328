import { Observable, type MonoTypeOperatorFunction } from 'rxjs';

/** The signals that interrupt a run with a checkpoint. @internal */
export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * While subscribed, SIGINT and SIGTERM abort `controller` (so the run fails with a
 * `MazepaCancelledError` after its checkpoint is written) instead of killing the process. The
 * process is never ended here: the program's `catch` and `finally` run, and it decides. Further
 * signals while the run stops are taken and dropped, so a second Ctrl-C a millisecond later
 * cannot cut the last checkpoint write short; once the run is over, signals are the program's
 * again.
 *
 * @internal
 */
export function abortOnSignals<T>(controller: AbortController): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      const handler = (signal: NodeJS.Signals): void => {
        if (!controller.signal.aborted) controller.abort(new Error(`Interrupted by ${signal}`));
      };
      for (const signal of INTERRUPT_SIGNALS) process.on(signal, handler);
      subscriber.add(() => {
        for (const signal of INTERRUPT_SIGNALS) process.off(signal, handler);
      });
      subscriber.add(source.subscribe(subscriber));
    });
}
