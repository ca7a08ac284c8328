import { Observable, type MonoTypeOperatorFunction } from 'rxjs';

/** The signals that interrupt a run. @internal */
export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** The exit code of a process ended by a second signal: 128 + the signal's number. @internal */
export const SIGNAL_EXIT_CODES: Readonly<Record<(typeof INTERRUPT_SIGNALS)[number], number>> = {
  SIGINT: 130,
  SIGTERM: 143,
};

/**
 * While subscribed, SIGINT and SIGTERM abort `controller` (so the run fails with a
 * `MazepaCancelledError` after its clean-up: its outcome queue deleted, its checkpoint written
 * when it has one) instead of killing the process. The first signal never ends the process: the
 * program's `catch` and `finally` run, and it decides. A second signal while the run stops ends
 * the process at once (exit 130 for SIGINT, 143 for SIGTERM), as a shell user expects of a
 * second Ctrl-C. Once the run is over, signals are the program's again.
 *
 * @internal
 */
export function abortOnSignals<T>(
  controller: AbortController,
  exit: (code: number) => void = (code) => process.exit(code),
): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      const handler = (signal: NodeJS.Signals): void => {
        if (controller.signal.aborted) return exit(SIGNAL_EXIT_CODES[signal as keyof typeof SIGNAL_EXIT_CODES] ?? 1);
        controller.abort(new Error(`Interrupted by ${signal}`));
      };
      for (const signal of INTERRUPT_SIGNALS) process.on(signal, handler);
      subscriber.add(() => {
        for (const signal of INTERRUPT_SIGNALS) process.off(signal, handler);
      });
      subscriber.add(source.subscribe(subscriber));
    });
}
