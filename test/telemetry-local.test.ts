import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import {
  LocalExecutionQueue,
  ThreadExecutionQueue,
  TransientError,
  execute,
  flowSchema,
  taskableOperation,
} from 'mazepa';
import { crunch } from './fixtures/threads/operations.js';
import { metricPoints, registerTestSdk, spanTree, type TestSdk } from './telemetry/otel-sdk.js';

const square = taskableOperation(function otelSquare(n: number) {
  return n * n;
});
let flaky = 0;
const sometimesFails = taskableOperation(
  function otelFlaky(n: number) {
    if (n === 0 && flaky++ === 0) throw new TransientError('not yet');
    if (n === 1) throw new RangeError('never');
    return n;
  },
  { maxRetry: 0 },
);
const squares = flowSchema(function* otelSquares(count: number) {
  yield Array.from({ length: count }, (_, i) => square.makeTask(i));
});
const mixed = flowSchema(function* otelMixed() {
  yield [sometimesFails.makeTask(0), sometimesFails.makeTask(1), sometimesFails.makeTask(2)];
});

let sdk: TestSdk | undefined;
afterEach(async () => {
  await sdk?.shutdown();
  sdk = undefined;
});

describe('telemetry of a local run', () => {
  it('makes an execution span with an INTERNAL attempt span per task under it', async () => {
    sdk = registerTestSdk();
    const summary = await execute(squares(3), { queue: new LocalExecutionQueue() });
    const spans = sdk.spans();
    expect(spanTree(spans)).toEqual([
      'execute otelSquares [INTERNAL]',
      '  process local [INTERNAL]',
      '  process local [INTERNAL]',
      '  process local [INTERNAL]',
    ]);
    const root = spans.find((s) => s.name === 'execute otelSquares')!;
    expect(root.attributes).toMatchObject({
      'mazepa.execution.id': summary.executionId,
      'mazepa.queue.name': 'local',
      'mazepa.execution.succeeded': 3,
    });
    const attempts = spans.filter((s) => s.name === 'process local');
    expect(attempts.map((s) => s.attributes['mazepa.operation.name'])).toEqual(Array(3).fill('otelSquare'));
    expect(new Set(attempts.map((s) => s.spanContext().traceId))).toEqual(new Set([root.spanContext().traceId]));
  });

  it('shows retries and failures as span events and error attributes, and counts them in metrics', async () => {
    sdk = registerTestSdk();
    flaky = 0;
    await expect(execute(mixed(), { raiseOnFailedTask: false })).resolves.toMatchObject({ failed: 1, retried: 1 });
    const spans = sdk.spans();
    const root = spans.find((s) => s.name === 'execute otelMixed')!;
    expect(root.events.map((e) => [e.name, e.attributes?.['error.type']])).toEqual([
      ['mazepa.task.retried', 'TransientError'],
      ['mazepa.task.failed', 'RangeError'],
    ]);
    const failedAttempts = spans.filter((s) => s.name === 'process local' && s.attributes['error.type'] !== undefined);
    expect(failedAttempts.map((s) => [s.attributes['error.type'], s.attributes['mazepa.task.attempt']]).sort()).toEqual(
      [
        ['RangeError', 1],
        ['TransientError', 1],
      ],
    );
    expect(spans.filter((s) => s.name === 'process local')).toHaveLength(4); // 3 tasks, one retried

    const metrics = await sdk.collect();
    const op = { 'mazepa.operation.name': 'otelFlaky' };
    const key = (extra: object): string => JSON.stringify({ ...op, ...extra });
    expect(metricPoints(metrics, 'mazepa.task.submissions').get(key({}))).toBe(4);
    expect(metricPoints(metrics, 'mazepa.task.retries').get(key({}))).toBe(1);
    const completions = metricPoints(metrics, 'mazepa.task.completions');
    expect(completions.get(key({ 'mazepa.task.outcome': 'succeeded' }))).toBe(2);
    expect(completions.get(key({ 'mazepa.task.outcome': 'failed', 'error.type': 'RangeError' }))).toBe(1);
    expect(metricPoints(metrics, 'mazepa.task.active').get(key({}))).toBe(0);
    const durations = metricPoints(metrics, 'mazepa.task.duration');
    expect(durations.get(key({ 'mazepa.task.outcome': 'succeeded' }))).toBe(2);
    expect(durations.get(key({ 'mazepa.task.outcome': 'failed' }))).toBe(2);
  });

  it('makes an attempt span per task of a thread run, under the execution span', async () => {
    sdk = registerTestSdk();
    const queue = new ThreadExecutionQueue({ threads: 1, imports: ['./test/fixtures/threads/operations.ts'] });
    const crunches = flowSchema(function* otelCrunches() {
      yield [crunch.makeTask(1, 10), crunch.makeTask(2, 10)];
    });
    try {
      await execute(crunches(), { queue, showProgress: false });
    } finally {
      await queue.close();
    }
    const spans = sdk.spans();
    expect(spanTree(spans)).toEqual([
      'execute otelCrunches [INTERNAL]',
      '  process threads [INTERNAL]',
      '  process threads [INTERNAL]',
    ]);
    const attempts = spans.filter((s) => s.name === 'process threads');
    expect(attempts.map((s) => s.attributes['mazepa.operation.name'])).toEqual(['threadCrunch', 'threadCrunch']);
  });

  it('shows checkpoint writes as span events and measures them', async () => {
    sdk = registerTestSdk();
    const dir = mkdtempSync(join(tmpdir(), 'mazepa-otel-ckpt-'));
    await execute(squares(4), { checkpoint: join(dir, 'run.ckpt'), showProgress: false });
    const root = sdk.spans().find((s) => s.name === 'execute otelSquares')!;
    const written = root.events.filter((e) => e.name === 'mazepa.checkpoint.written');
    expect(written.at(-1)?.attributes).toMatchObject({
      'mazepa.checkpoint.kind': 'close',
      'mazepa.checkpoint.completed': 4,
    });
    const durations = metricPoints(await sdk.collect(), 'mazepa.checkpoint.duration');
    expect(durations.get(JSON.stringify({ 'mazepa.checkpoint.kind': 'close' }))).toBe(1);
  });

  it('makes nothing when no SDK is registered', async () => {
    // An SDK that exists but is not registered: the globals are the no-op ones.
    sdk = registerTestSdk({ register: false });
    const summary = await execute(squares(5));
    expect(summary.succeeded).toBe(5);
    expect(sdk.spans()).toEqual([]);
    expect(metricPoints(await sdk.collect(), 'mazepa.task.submissions').size).toBe(0);
    // and the same SDK, registered, sees the next run: the check above could fail
    trace.setGlobalTracerProvider(sdk.tracerProvider);
    await execute(squares(1));
    expect(sdk.spans().map((s) => s.name)).toContain('execute otelSquares');
  });
});
