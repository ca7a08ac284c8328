import { MAX_TIMER_MS } from '../../../flows/task.js';

/** @internal A pending {@link longTimeout}. */
export interface LongTimeout {
  clear(): void;
}

/**
 * @internal Calls `fn` once after `ms` milliseconds, however long: a Node timer holds at most
 * {@link MAX_TIMER_MS} (longer, it fires after 1 ms with a `TimeoutOverflowWarning`), so a longer
 * wait is made of several timers in a row.
 */
export function longTimeout(fn: () => void, ms: number): LongTimeout {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const wait = (left: number): void => {
    const step = Math.min(left, MAX_TIMER_MS);
    timer = setTimeout(() => (left > step ? wait(left - step) : fn()), step);
  };
  wait(ms);
  return { clear: () => clearTimeout(timer) };
}
