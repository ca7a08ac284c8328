import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SpanKind } from '@opentelemetry/api';
import { execute, flowSchema } from 'mazepa';
import { SqsExecutionQueue, runWorker } from 'mazepa/sqs';
import { add, explode } from '../fixtures/sqs/ops.js';
import { metricPoints, registerTestSdk, spanTree, type TestSdk } from '../telemetry/otel-sdk.js';
import { startWorker, useEmulator, type WorkerProcess } from './helpers.js';

const QUEUE = 'otel-tasks';
const REGISTER_OTEL = new URL('../fixtures/telemetry/register-otel.ts', import.meta.url).pathname;
const emulator = useEmulator();
const spansFile = join(mkdtempSync(join(tmpdir(), 'mazepa-otel-')), 'worker-spans.jsonl');
let worker: WorkerProcess;

interface WorkerSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  links: { traceId: string; spanId: string }[];
  attributes: Record<string, unknown>;
  status: number;
}

function workerSpans(): WorkerSpan[] {
  if (!existsSync(spansFile)) return [];
  return readFileSync(spansFile, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as WorkerSpan);
}

beforeAll(async () => {
  await new SqsExecutionQueue({ queueName: QUEUE, client: emulator.client }).connect();
  process.env.MAZEPA_TEST_SPANS = spansFile; // the worker's environment is this process's
  worker = startWorker(emulator.endpoint, QUEUE, ['--import', REGISTER_OTEL, '--concurrency', '2']);
  await worker.waitFor(/started on queue/);
}, 60_000);

let sdk: TestSdk | undefined;
afterEach(async () => {
  await sdk?.shutdown();
  sdk = undefined;
});

const sums = flowSchema(function* otelSqsSums() {
  yield [add.makeTask(1, 2), add.makeTask(3, 4), explode.makeTask('on purpose')];
});

describe('telemetry of an SQS run', () => {
  it("links each worker's process span to the orchestrator's send span, across the queue", async () => {
    sdk = registerTestSdk();
    const queue = new SqsExecutionQueue({ queueName: QUEUE, client: emulator.client });
    let summary;
    try {
      summary = await execute(sums(), { queue, showProgress: false, raiseOnFailedTask: false });
    } finally {
      await queue.close();
    }
    expect(summary).toMatchObject({ succeeded: 2, failed: 1 });
    const local = sdk.spans();
    expect(spanTree(local)).toEqual(['execute otelSqsSums [INTERNAL]', `  send ${QUEUE} [PRODUCER]`]);
    const send = local.find((s) => s.name === `send ${QUEUE}`)!;
    expect(send.attributes).toMatchObject({
      'messaging.system': 'aws_sqs',
      'messaging.operation.type': 'send',
      'messaging.destination.name': QUEUE,
      'messaging.batch.message_count': 3,
    });
    // The worker exports a span as it ends it, before it sends the outcome back.
    await vi.waitFor(() => expect(workerSpans().filter((s) => s.name === `process ${QUEUE}`)).toHaveLength(3), {
      timeout: 10_000,
    });
    const processed = workerSpans().filter((s) => s.attributes['mazepa.execution.id'] === summary.executionId);
    expect(processed).toHaveLength(3);
    for (const span of processed) {
      expect(span.kind).toBe(SpanKind.CONSUMER);
      expect(span.parentSpanId).toBeUndefined(); // a trace of its own...
      expect(span.traceId).not.toBe(send.spanContext().traceId);
      // ...linked to the push that sent it
      expect(span.links).toEqual([{ traceId: send.spanContext().traceId, spanId: send.spanContext().spanId }]);
      expect(span.attributes).toMatchObject({ 'messaging.system': 'aws_sqs', 'messaging.operation.type': 'process' });
      expect(typeof span.attributes['messaging.message.id']).toBe('string');
    }
    const failed = processed.filter((s) => s.attributes['error.type'] !== undefined);
    expect(failed.map((s) => [s.attributes['mazepa.operation.name'], s.attributes['error.type']])).toEqual([
      ['explode', 'RemoteKaboom'],
    ]);
    const root = local.find((s) => s.name === 'execute otelSqsSums')!;
    expect(root.events.map((e) => [e.name, e.attributes?.['error.type']])).toEqual([
      ['mazepa.task.failed', 'RemoteKaboom'],
    ]);
  });

  it("makes the process span the send span's child with spanParent 'parent' (runWorker in this process)", async () => {
    sdk = registerTestSdk();
    const queueName = `${QUEUE}-parent`;
    const stop = new AbortController();
    const workerQueue = new SqsExecutionQueue({ queueName, client: emulator.client, waitTimeSeconds: 1 });
    const running = runWorker({ queue: workerQueue, spanParent: 'parent', signal: stop.signal });
    const queue = new SqsExecutionQueue({ queueName, client: emulator.client });
    const one = flowSchema(function* otelSqsOne() {
      yield add.makeTask(5, 6);
    });
    try {
      await execute(one(), { queue, showProgress: false });
    } finally {
      stop.abort();
      await running;
      await queue.close();
      await workerQueue.close();
    }
    expect(spanTree(sdk.spans())).toEqual([
      'execute otelSqsOne [INTERNAL]',
      `  send ${queueName} [PRODUCER]`,
      `    process ${queueName} [CONSUMER]`,
    ]);
    // the worker's own metrics
    const metrics = await sdk.collect();
    const addOp = { 'mazepa.operation.name': 'add' };
    expect(
      metricPoints(metrics, 'mazepa.worker.tasks').get(
        JSON.stringify({ ...addOp, 'mazepa.task.outcome': 'succeeded' }),
      ),
    ).toBe(1);
    expect(metricPoints(metrics, 'mazepa.worker.messages_deleted').get('{}')).toBe(1);
    expect(metricPoints(metrics, 'mazepa.worker.receive_calls').get('{}')).toBeGreaterThanOrEqual(1);
  });
});
