// Renders the trace of a small SQS run to docs/images/trace.png (and prints its span tree):
// `npx tsx scripts/trace-picture.ts`. An SQS emulator (fauxqs) and a worker (runWorker) run in
// this process, with an in-memory OpenTelemetry SDK; the page is drawn as a waterfall and
// screenshotted with headless Chromium (/usr/bin/chromium, through playwright-core).
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { chromium } from 'playwright-core';
import { Dependency, TransientError, execute, flowSchema, taskableOperation } from 'mazepa';
import { SqsExecutionQueue, runWorker } from 'mazepa/sqs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const OUT = fileURLToPath(new URL('../docs/images/trace.png', import.meta.url));
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let busy = 0;
const downsample = taskableOperation(async function downsample(chunk: number) {
  await pause(40 + chunk * 15);
  if (chunk === 1 && busy++ === 0) throw new TransientError('storage busy');
  return chunk;
});
const summarize = taskableOperation(async function summarize(chunks: number[]) {
  await pause(30);
  return chunks.length;
});
const pyramid = flowSchema(function* pyramid() {
  const chunks = [0, 1, 2].map((c) => downsample.makeTask(c));
  yield chunks;
  yield new Dependency();
  yield summarize.makeTask(chunks.map((t) => t.outcome!.returnValue as number));
});

const exporter = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

const { buildApp } = await import('fauxqs');
const app = buildApp({ logger: false });
await app.listen({ port: 0, host: '127.0.0.1' });
const endpoint = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
process.env.AWS_ACCESS_KEY_ID = 'demo';
process.env.AWS_SECRET_ACCESS_KEY = 'demo';
const sqs = { queueName: 'tiles', endpoint, region: 'us-east-1' };
const stop = new AbortController();
const workerQueue = new SqsExecutionQueue({ ...sqs, waitTimeSeconds: 1 });
const worker = runWorker({ queue: workerQueue, concurrency: 4, signal: stop.signal });
const queue = new SqsExecutionQueue(sqs);
try {
  await execute(pyramid(), { queue, showProgress: false });
} finally {
  stop.abort();
  await worker;
  await queue.close();
  await workerQueue.close();
  await app.close();
}

const spans = exporter.getFinishedSpans();
const rows = order(spans);
for (const { span, depth, link } of rows) console.log(`${'  '.repeat(depth)}${label(span)}${link ? '  (linked)' : ''}`);
await screenshot(rows);

interface Row {
  readonly span: ReadableSpan;
  readonly depth: number;
  readonly link: boolean;
}

/** The orchestrator's trace as a tree; each worker span (a trace of its own) under the send span it links to. */
function order(all: readonly ReadableSpan[]): Row[] {
  const rows: Row[] = [];
  const ms = (s: ReadableSpan) => s.startTime[0] * 1e3 + s.startTime[1] / 1e6;
  const children = (id: string) =>
    all
      .filter((s) => s.parentSpanContext?.spanId === id || s.links.some((l) => l.context.spanId === id))
      .sort((a, b) => ms(a) - ms(b));
  const walk = (span: ReadableSpan, depth: number, link: boolean): void => {
    rows.push({ span, depth, link });
    for (const child of children(span.spanContext().spanId))
      walk(child, depth + 1, child.parentSpanContext === undefined);
  };
  for (const root of all.filter((s) => s.parentSpanContext === undefined && s.links.length === 0)) walk(root, 0, false);
  return rows;
}

function label(span: ReadableSpan): string {
  const kind = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'][span.kind];
  const a = span.attributes;
  const what =
    a['mazepa.operation.name'] === undefined
      ? ''
      : ` ${String(a['mazepa.operation.name'])}#${String(a['mazepa.task.attempt'])}`;
  const error = a['error.type'] === undefined ? '' : ` ✗ ${String(a['error.type'])}`;
  return `${span.name} [${kind}]${what}${error}`;
}

async function screenshot(list: readonly Row[]): Promise<void> {
  const ms = (t: readonly [number, number]) => t[0] * 1e3 + t[1] / 1e6;
  const t0 = Math.min(...list.map((r) => ms(r.span.startTime)));
  const t1 = Math.max(...list.map((r) => ms(r.span.endTime)));
  const scale = 560 / (t1 - t0);
  const colors = ['#7c8db5', '', '', '#e3a33b', '#4c9f70'];
  const html = list
    .map(({ span, depth, link }) => {
      const left = (ms(span.startTime) - t0) * scale;
      const width = Math.max(2, (ms(span.endTime) - ms(span.startTime)) * scale);
      const failed = span.attributes['error.type'] !== undefined;
      const color = failed ? '#d0543f' : colors[span.kind];
      const trace = span.spanContext().traceId.slice(0, 6);
      return (
        `<div class="row"><div class="name" style="padding-left:${depth * 16 + 6}px">` +
        `${link ? '<span class="link">↪ link</span> ' : ''}${escape(label(span))}</div>` +
        `<div class="lane"><div class="bar" style="left:${left}px;width:${width}px;background:${color}"></div></div>` +
        `<div class="trace">trace ${trace}…</div></div>`
      );
    })
    .join('');
  const page =
    '<html><body style="margin:0;font:13px system-ui,sans-serif;background:#fff">' +
    '<style>.row{display:flex;align-items:center;height:26px;border-bottom:1px solid #eee}' +
    '.name{width:480px;white-space:nowrap;overflow:hidden}.lane{position:relative;width:580px;height:16px}' +
    '.bar{position:absolute;top:0;height:16px;border-radius:3px}.trace{width:110px;color:#888;font-size:11px}' +
    '.link{color:#4c9f70;font-weight:600}h3{margin:8px 6px}</style>' +
    `<h3>mazepa: one SQS run (${Math.round(t1 - t0)} ms), the orchestrator's trace and the workers' linked traces</h3>` +
    `${html}</body></html>`;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'],
  });
  try {
    const tab = await browser.newPage({ viewport: { width: 1180, height: 44 + list.length * 27 } });
    await tab.setContent(page);
    await tab.screenshot({ path: OUT });
  } finally {
    await browser.close();
  }
  console.log(`wrote ${OUT}`);
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}
