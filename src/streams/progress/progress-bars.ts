import cliProgress from 'cli-progress';
import type { QueueDepth } from '../queue-depth.js';
import type { OperationProgress, ProgressSnapshot } from './progress.js';
import { formatQueueLine } from './queue-line.js';

/** A terminal to draw on: stderr, or any TTY-like writable. @internal */
export interface ProgressSink {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** A snapshot to draw; `stopped` on the last one of a run that failed or was interrupted. @internal */
export type DrawnSnapshot = ProgressSnapshot & {
  readonly stopped?: boolean;
  /** The last depth of a queue that sends tasks away, while the run goes on. */
  readonly queueDepth?: QueueDepth;
};

/** Draws snapshots somewhere. @internal */
export interface ProgressView {
  draw(snapshot: DrawnSnapshot): void;
  stop(): void;
}

/** What a bar shows beyond its value and total. */
interface BarPayload {
  readonly name: string;
  readonly p: OperationProgress;
  readonly etaSecs: number | undefined;
  /** A line drawn as it is, instead of a bar (where the tasks are). */
  readonly line?: string;
}

/** The key of the line below the bars that tells where the tasks are. */
const QUEUE_LINE = '\u0000queue';

/**
 * Live bars on a terminal, one per operation name, drawn with `cli-progress`: done/total,
 * succeeded, failed, skipped, rate and ETA. Drawing happens only in {@link ProgressView.draw}
 * (called on the progress interval), so the cost does not grow with the number of tasks.
 *
 * @internal
 */
export function createProgressBars(sink: ProgressSink, totals?: Readonly<Record<string, number>>): ProgressView {
  // The bars write through the sink's own write, even while stdout and stderr are rerouted.
  const write = sink.write.bind(sink);
  const stream = {
    isTTY: true,
    get columns() {
      return sink.columns;
    },
    write: (text: string) => write(text),
  };
  const multibar = new cliProgress.MultiBar({
    stream: stream as unknown as NodeJS.WritableStream,
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
  let logged = false;
  const restore = routeOutputAbove((text) => {
    multibar.log(text.endsWith('\n') ? text : `${text}\n`);
    logged = true;
  });
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
      const depth = snapshot.queueDepth;
      if (depth !== undefined) {
        const line = formatQueueLine(snapshot.total.inFlight, depth);
        const payload: BarPayload = { name: '', p: snapshot.total, etaSecs: undefined, line };
        const bar = bars.get(QUEUE_LINE);
        if (bar === undefined) bars.set(QUEUE_LINE, multibar.create(1, 0, payload));
        else bar.update(0, payload);
      }
      multibar.update();
      logged = false;
    },
    stop() {
      restore();
      if (logged) multibar.update(); // what tasks printed since the last frame
      multibar.stop();
    },
  };
}

/**
 * Sends what the program writes to stdout and stderr to `log` (which prints it above the bars)
 * until the returned function is called.
 */
function routeOutputAbove(log: (text: string) => void): () => void {
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((s) => s.write);
  const routed = streams.map((s) => {
    const write = ((chunk: string | Uint8Array, encoding?: unknown, callback?: unknown): boolean => {
      log(
        typeof chunk === 'string'
          ? chunk
          : Buffer.from(chunk).toString(typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'),
      );
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
      return true;
    }) as typeof s.write;
    s.write = write;
    return write;
  });
  return () => {
    streams.forEach((s, i) => {
      if (s.write === routed[i]) s.write = originals[i]!;
    });
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
  if (payload.line !== undefined) return payload.line;
  const { name, p, etaSecs } = payload;
  const { total, value } = params;
  const bar = cliProgress.Format.BarFormat(Math.min(1, Math.max(0, params.progress)), options);
  return (
    `${name} ${bar} ${String(value).padStart(String(total).length)}/${total} ` +
    `| submitted ${p.submitted} ok ${p.succeeded} failed ${p.failed} skipped ${p.skipped}${p.retried > 0 ? ` retried ${p.retried}` : ''} ` +
    `| ${p.ratePerSec.toFixed(0)}/s | ETA ${formatSecs(etaSecs)}`
  );
}
