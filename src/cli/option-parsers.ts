/** How the `mazepa` commands read their option values; each throws naming what it needs. */
import { InvalidArgumentError } from 'commander';
import { MAX_TIMER_MS } from '../flows/task.js';
import { UsageError } from './usage-error.js';

/** A whole number >= 1 (`--concurrency`, `--visibility-timeout`, `--max-messages`, ...). @internal */
export function whole(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number >= 1');
  return n;
}

/** A whole number >= 0 (`--max-restarts`). @internal */
export function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number >= 0');
  return n;
}

/** The most seconds a timer holds: {@link MAX_TIMER_MS} in whole seconds (about 24.8 days). @internal */
export const MAX_TIMER_SECONDS = Math.floor(MAX_TIMER_MS / 1000);

/** Seconds > 0 that one timer holds (`--checkpoint-interval`). @internal */
export function timerSeconds(value: string): number {
  const n = Number(value);
  if (!(n > 0) || !(n <= MAX_TIMER_SECONDS)) {
    throw new InvalidArgumentError(
      `must be a number of seconds > 0 and at most ${MAX_TIMER_SECONDS} (about 24.8 days)`,
    );
  }
  return n;
}

/** Seconds >= 0 (`--max-runtime`, `--idle-timeout`). @internal */
export function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number of seconds >= 0');
  return n;
}

/** `--max-outage-ms`: milliseconds >= 0, or `Infinity`. @internal */
export function outageMs(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0)) {
    throw new InvalidArgumentError('must be a number of milliseconds >= 0 (Infinity: never give up)');
  }
  return n;
}

/** `--older-than-ms`: whole milliseconds, at least twice the outcome queues' heartbeat interval. @internal */
export function heartbeatAgeMs(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 120_000) {
    throw new InvalidArgumentError('must be a whole number of milliseconds >= 120000 (twice the heartbeat interval)');
  }
  return n;
}

/** `--resource-limit gpu=2 io=8`; a {@link UsageError} for a bad one. @internal */
export function resourceLimits(specs: readonly string[] | undefined): Record<string, number> | undefined {
  if (specs === undefined || specs.length === 0) return undefined;
  const limits: Record<string, number> = {};
  for (const spec of specs) {
    const match = /^([A-Za-z0-9_.-]+)=(\d+)$/.exec(spec);
    if (match === null || Number(match[2]) < 1) {
      throw new UsageError(
        `--resource-limit must be NAME=N with N >= 1 (e.g. gpu=2), received ${JSON.stringify(spec)}`,
      );
    }
    limits[match[1]!] = Number(match[2]);
  }
  return limits;
}
