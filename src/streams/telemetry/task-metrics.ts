/**
 * The engine's metrics: observable instruments read from the counts every execution keeps
 * anyway (`engine/stats.ts`), so an event costs nothing more; only the run-time histograms are
 * recorded as attempts finish, and only while a meter provider is registered. Attributes are
 * operation names, never task or execution ids.
 */
import type { Attributes, Histogram, Meter, MeterProvider, ObservableResult } from '@opentelemetry/api';
import type { OperationCounts } from '../execution-event.js';
import type { Stats } from '../engine/stats.js';
import { otelApi, type OtelApi } from './otel-api.js';
import { ATTR, SCOPE } from './semconv.js';

interface Instruments {
  readonly provider: MeterProvider;
  readonly duration: Histogram;
  readonly checkpoint: Histogram;
}

/** The counts of executions that ended, kept so that the counters never go down. */
const ended = new Map<string, OperationCounts>();
const endedFailures = new Map<string, Map<string, number>>();
const live = new Set<Stats>();
let instruments: Instruments | undefined;

/**
 * Counts `stats` in the metrics while its execution runs, if a meter provider is registered;
 * returns what to call when the execution ends (`undefined`: no metrics).
 *
 * @internal
 */
export function trackStats(stats: Stats): (() => void) | undefined {
  const api = otelApi();
  if (api === undefined) return undefined;
  const made = instrumentsFor(api);
  if (made === undefined) return undefined;
  // One attributes object per operation and outcome: the SDK's record is the cost (a few µs).
  const attributes = new Map<string, { succeeded: Attributes; failed: Attributes }>();
  stats.attemptTimed = (operation, outcome, secs) => {
    let pair = attributes.get(operation);
    if (pair === undefined) {
      const of = (o: string): Attributes => ({ [ATTR.mazepaOperation]: operation, [ATTR.outcome]: o });
      attributes.set(operation, (pair = { succeeded: of('succeeded'), failed: of('failed') }));
    }
    made.duration.record(secs, pair[outcome]);
  };
  live.add(stats);
  return () => {
    if (!live.delete(stats)) return;
    stats.attemptTimed = undefined;
    for (const [op, counts] of stats.operations) add(ended, op, counts);
    for (const [op, byType] of stats.failures) {
      let into = endedFailures.get(op);
      if (into === undefined) endedFailures.set(op, (into = new Map()));
      for (const [type, n] of byType) into.set(type, (into.get(type) ?? 0) + n);
    }
  };
}

/** Records how long a checkpoint write (an fsync, or a compaction) took, when metrics are on. @internal */
export function recordCheckpointDuration(secs: number, kind: string): void {
  if (instruments === undefined) return;
  instruments.checkpoint.record(secs, { 'mazepa.checkpoint.kind': kind });
}

/** The instruments of the registered meter provider, made once per provider; none for the no-op one. */
function instrumentsFor(api: OtelApi): Instruments | undefined {
  const provider = api.metrics.getMeterProvider();
  if (instruments?.provider === provider) return instruments;
  const meter = provider.getMeter(SCOPE);
  if (meter.constructor === api.createNoopMeter().constructor) return undefined;
  observe(meter);
  instruments = {
    provider,
    duration: meter.createHistogram('mazepa.task.duration', {
      description: 'How long task attempts ran',
      unit: 's',
    }),
    checkpoint: meter.createHistogram('mazepa.checkpoint.duration', {
      description: 'How long checkpoint writes (flushes and compactions) took',
      unit: 's',
    }),
  };
  return instruments;
}

function observe(meter: Meter): void {
  const counter = (name: string, description: string, read: (c: OperationCounts) => number): void => {
    meter
      .createObservableCounter(name, { description, unit: '{task}' })
      .addCallback((result) => perOperation(result, read));
  };
  counter('mazepa.task.submissions', 'Task attempts sent to a queue', (c) => c.submitted);
  counter('mazepa.task.retries', 'Failed task attempts that will be retried', (c) => c.retried);
  meter
    .createObservableCounter('mazepa.task.completions', { description: 'Tasks done with', unit: '{task}' })
    .addCallback(observeCompletions);
  meter
    .createObservableUpDownCounter('mazepa.task.active', {
      description: 'Task attempts sent and not yet completed',
      unit: '{task}',
    })
    .addCallback((result) =>
      perOperation(result, (c) => Math.max(0, c.submitted - c.succeeded - c.failed - c.retried), true),
    );
}

/** Observes `read` of the counts per operation; `liveOnly`: of running executions (0 for the others). */
function perOperation(result: ObservableResult, read: (c: OperationCounts) => number, liveOnly = false): void {
  const totals = new Map<string, OperationCounts>();
  for (const [op, counts] of ended) add(totals, op, liveOnly ? ZERO : counts);
  for (const stats of live) for (const [op, counts] of stats.operations) add(totals, op, counts);
  for (const [op, counts] of totals) result.observe(read(counts), { [ATTR.mazepaOperation]: op });
}

const ZERO: OperationCounts = { submitted: 0, succeeded: 0, failed: 0, skipped: 0, retried: 0 };

function observeCompletions(result: ObservableResult): void {
  const totals = new Map<string, OperationCounts>();
  const failures = new Map<string, Map<string, number>>();
  const addFailures = (from: ReadonlyMap<string, ReadonlyMap<string, number>>): void => {
    for (const [op, byType] of from) {
      let into = failures.get(op);
      if (into === undefined) failures.set(op, (into = new Map()));
      for (const [type, n] of byType) into.set(type, (into.get(type) ?? 0) + n);
    }
  };
  for (const [op, counts] of ended) add(totals, op, counts);
  addFailures(endedFailures);
  for (const stats of live) {
    for (const [op, counts] of stats.operations) add(totals, op, counts);
    addFailures(stats.failures);
  }
  for (const [op, counts] of totals) {
    const operation = { [ATTR.mazepaOperation]: op };
    result.observe(counts.succeeded, { ...operation, [ATTR.outcome]: 'succeeded' });
    result.observe(counts.skipped, { ...operation, [ATTR.outcome]: 'skipped' });
    for (const [type, n] of failures.get(op) ?? []) {
      result.observe(n, { ...operation, [ATTR.outcome]: 'failed', [ATTR.errorType]: type });
    }
  }
}

function add(into: Map<string, OperationCounts>, op: string, counts: OperationCounts): void {
  const sum = into.get(op);
  if (sum === undefined) {
    into.set(op, { ...counts });
    return;
  }
  sum.submitted += counts.submitted;
  sum.succeeded += counts.succeeded;
  sum.failed += counts.failed;
  sum.skipped += counts.skipped;
  sum.retried += counts.retried;
}
