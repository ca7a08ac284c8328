import cliProgress from 'cli-progress';
import type { OperationProgress, ProgressSnapshot } from './progress.js';

/** A terminal to draw on: stderr, or any TTY-like writable. @internal */
export interface ProgressSink {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Draws snapshots somewhere. @internal */
export interface ProgressView {
  draw(snapshot: ProgressSnapshot): void;
  stop(): void;
}

/** What a bar shows beyond its value and total. */
interface BarPayload {
  readonly name: string;
  readonly p: OperationProgress;
  readonly etaSecs: number | undefined;
}

/**
 * Live bars on a terminal, one per operation name, drawn with `cli-progress`: done/total,
 * succeeded, failed, skipped, rate and ETA. Drawing happens only in {@link ProgressView.draw}
 * (called on the progress interval), so the cost does not grow with the number of tasks.
 *
 * @internal
 */
export function createProgressBars(sink: ProgressSink, totals?: Readonly<Record<string, number>>): ProgressView {
  const multibar = new cliProgress.MultiBar({
    stream: sink as NodeJS.WritableStream,
    format: (options, params, payload: BarPayload) => formatBarLine(options, params, payload),
    barsize: 24,
    barCompleteChar: '\u2588',
    barIncompleteChar: '\u2591',
    fps: 0.2, // its own redraw timer; ours calls update() on every snapshot
    hideCursor: false,
    clearOnComplete: false,
    stopOnComplete: false,
    gracefulExit: false,
    emptyOnZero: true,
  });
  const bars = new Map<string, cliProgress.SingleBar>();
  const width = (snapshot: ProgressSnapshot): number =>
    Math.max(5, ...Object.keys(snapshot.operations).map((name) => name.length));
  return {
    draw(snapshot) {
      const pad = width(snapshot);
      for (const [name, p] of Object.entries(snapshot.operations)) {
        const value = done(p);
        const total = Math.max(totals?.[name] ?? 0, p.submitted - p.retried + p.skipped, value);
        const payload: BarPayload = { name: name.padEnd(pad), p, etaSecs: eta(p, total) };
        const bar = bars.get(name);
        if (bar === undefined) bars.set(name, multibar.create(total, value, payload));
        else {
          bar.setTotal(total);
          bar.update(value, payload);
        }
      }
      multibar.update();
    },
    stop() {
      multibar.stop();
    },
  };
}

/** Tasks an operation has done: succeeded, failed, or skipped from a checkpoint. @internal */
export const done = (p: OperationProgress): number => p.succeeded + p.failed + p.skipped;

/** Seconds left at the current rate, if it can be told. @internal */
export function eta(p: OperationProgress, total: number): number | undefined {
  const left = total - done(p);
  if (left <= 0) return 0;
  return p.ratePerSec > 0 ? left / p.ratePerSec : undefined;
}

/** `1h02m`, `3m07s`, `42s`, `?`. @internal */
export function formatSecs(secs: number | undefined): string {
  if (secs === undefined || !Number.isFinite(secs)) return '?';
  const s = Math.round(secs);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function formatBarLine(options: cliProgress.Options, params: cliProgress.Params, payload: BarPayload): string {
  const { name, p, etaSecs } = payload;
  const { total, value } = params;
  const bar = cliProgress.Format.BarFormat(Math.min(1, Math.max(0, params.progress)), options);
  return (
    `${name} ${bar} ${String(value).padStart(String(total).length)}/${total} ` +
    `| submitted ${p.submitted - p.retried} ok ${p.succeeded} failed ${p.failed} skipped ${p.skipped} ` +
    `| ${p.ratePerSec.toFixed(0)}/s | ETA ${formatSecs(etaSecs)}`
  );
}
