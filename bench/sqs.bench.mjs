// SQS benchmark: the same number of no-op tasks (a) as a hand-written SDK round trip, the floor
// (send task batches, receive, delete, send the outcome, receive it, delete it) and (b) through
// execute() with SqsExecutionQueue, both with 2 worker processes and the emulator (fauxqs) in a
// process of its own. Prints tasks/s of both, the ratio, and the latency from a task's completion
// (on the worker) to the resumption of the flow waiting on it. Run with `npm run bench:sqs`.
//
// This file has three roles, chosen by argv[2]: the benchmark (no argument), `emulator`, and
// `worker <mode> <queue>` (mode `floor`: a raw SDK loop; mode `mazepa`: runWorker).
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const here = fileURLToPath(import.meta.url);
const TASKS = Number(process.env.BENCH_TASKS ?? 2000);
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 200);
const WORKERS = 2;
const CONCURRENCY = 20; // per worker process
const RECEIVERS = 2; // receive loops per worker process (runWorker uses ceil(concurrency / 10))
const OUTCOME_RECEIVERS = 3; // as SqsExecutionQueue's default
const SEND_CONCURRENCY = 8; // as SqsExecutionQueue's default

/** A wall-clock time in ms with sub-ms precision, comparable across processes. */
const now = () => performance.timeOrigin + performance.now();

function client(endpoint) {
  return new SQSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'b', secretAccessKey: 'b' } });
}

async function createQueue(sqs, name) {
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: { MaximumMessageSize: '262144', VisibilityTimeout: '30' } }),
  );
  return QueueUrl;
}

async function receive(sqs, url, wait) {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: wait }),
  );
  return Messages;
}

async function remove(sqs, url, messages) {
  const Entries = messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle }));
  await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries }));
}

async function sendBatch(sqs, url, bodies) {
  const Entries = bodies.map((MessageBody, i) => ({ Id: String(i), MessageBody }));
  const { Failed = [] } = await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries }));
  if (Failed.length > 0) throw new Error(`send failed: ${JSON.stringify(Failed[0])}`);
}

// ---- role: emulator -------------------------------------------------------------------------
async function emulator() {
  const { buildApp } = await import('fauxqs');
  const app = buildApp({ logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.send({ port: app.server.address().port });
  process.on('disconnect', () => process.exit(0));
}

// ---- role: worker ---------------------------------------------------------------------------
async function worker(mode, queueName) {
  const endpoint = process.env.BENCH_ENDPOINT;
  if (mode === 'mazepa') {
    const { taskableOperation } = await import('../dist/index.js');
    const { SqsExecutionQueue, runWorker } = await import('../dist/sqs.js');
    taskableOperation(() => now(), { operationName: 'noop' });
    const queue = new SqsExecutionQueue({ queueName, client: client(endpoint) });
    const stop = new AbortController();
    process.on('disconnect', () => stop.abort());
    process.send('ready');
    await runWorker({ queue, concurrency: CONCURRENCY, signal: stop.signal });
    process.exit(0);
  }
  // The floor: receive up to ten, "run" them, send their outcomes in one batch, then delete
  // them; receives go on while earlier outcomes are sent, with at most CONCURRENCY messages held.
  const sqs = client(endpoint);
  const url = await createQueue(sqs, queueName);
  let stopped = false;
  let held = 0;
  const waiters = [];
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  process.on('disconnect', () => (stopped = true));
  process.send('ready');
  const finish = async (messages) => {
    const replyTo = JSON.parse(messages[0].Body).replyTo;
    const outcomes = messages.map((m) => JSON.stringify({ id: JSON.parse(m.Body).id, at: now() }));
    await sendBatch(sqs, replyTo, outcomes);
    await remove(sqs, url, messages);
    held -= messages.length;
    wake();
  };
  const loop = async () => {
    while (!stopped) {
      const max = Math.min(10, CONCURRENCY - held);
      if (max <= 0) {
        await new Promise((resolve) => waiters.push(resolve));
        continue;
      }
      held += max;
      const messages = await receive(sqs, url, 1);
      held -= max - messages.length;
      if (messages.length > 0) void finish(messages);
    }
  };
  await Promise.all(Array.from({ length: RECEIVERS }, loop));
  process.exit(0);
}

// ---- role: benchmark ------------------------------------------------------------------------
function startChild(args, env = {}) {
  const child = fork(here, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = once(child, 'message').then(([message]) => message);
  return { child, ready };
}

async function startWorkers(endpoint, mode, queueName) {
  const workers = Array.from({ length: WORKERS }, () =>
    startChild(['worker', mode, queueName], { BENCH_ENDPOINT: endpoint }),
  );
  await Promise.all(workers.map((w) => w.ready));
  return async () => {
    for (const w of workers) w.child.disconnect();
    await Promise.all(workers.map((w) => once(w.child, 'exit')));
  };
}

/** The floor: the orchestrator side of the hand-written round trip. */
async function floor(endpoint, n) {
  const sqs = client(endpoint);
  const taskUrl = await createQueue(sqs, 'floor-tasks');
  const stopWorkers = await startWorkers(endpoint, 'floor', 'floor-tasks');
  await floorRun(sqs, taskUrl, 'floor-warm-up', 10); // connections and code warm, as for mazepa
  const result = await floorRun(sqs, taskUrl, 'floor-tasks-out', n);
  await stopWorkers();
  sqs.destroy();
  return result;
}

async function floorRun(sqs, taskUrl, outcomeQueue, n) {
  const outcomeUrl = await createQueue(sqs, outcomeQueue);
  const start = now();
  const latencies = [];
  let received = 0;
  const receivers = Array.from({ length: OUTCOME_RECEIVERS }, async () => {
    while (received < n) {
      const messages = await receive(sqs, outcomeUrl, 1);
      const at = now();
      for (const m of messages) latencies.push(at - JSON.parse(m.Body).at);
      received += messages.length;
      if (messages.length > 0) void remove(sqs, outcomeUrl, messages);
    }
  });
  const batches = [];
  for (let i = 0; i < n; i += 10) {
    batches.push(
      Array.from({ length: Math.min(10, n - i) }, (_, j) => JSON.stringify({ id: i + j, replyTo: outcomeUrl })),
    );
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: SEND_CONCURRENCY }, async () => {
      while (next < batches.length) await sendBatch(sqs, taskUrl, batches[next++]);
    }),
  );
  await Promise.all(receivers);
  const seconds = (now() - start) / 1000;
  await sqs.send(new DeleteQueueCommand({ QueueUrl: outcomeUrl }));
  return { rate: n / seconds, seconds, latencies };
}

async function throughMazepa(endpoint, n, sequential) {
  const { execute, flowSchema, concurrentFlow, taskableOperation } = await import('../dist/index.js');
  const { SqsExecutionQueue } = await import('../dist/sqs.js');
  const noop = taskableOperation(() => now(), { operationName: 'noop' });
  const sqs = client(endpoint);
  const queue = new SqsExecutionQueue({ queueName: 'mazepa-tasks', client: sqs });
  await queue.connect();
  const stopWorkers = await startWorkers(endpoint, 'mazepa', 'mazepa-tasks');
  // Warm-up: one task, so that connections and code are warm in every process.
  await execute(noop.makeTask(-1), { queue, showProgress: false });
  const latencies = [];
  const one = flowSchema(function* one(i) {
    const doneAt = yield* noop.makeTask(i).result();
    latencies.push(now() - doneAt);
  });
  const start = now();
  const summary = await execute(concurrentFlow(Array.from({ length: n }, (_, i) => one(i))), {
    queue,
    showProgress: false,
  });
  const seconds = (now() - start) / 1000;
  if (summary.succeeded !== n) throw new Error(`mazepa ran ${summary.succeeded} of ${n} tasks`);
  const unloaded = [];
  const chain = flowSchema(function* chain() {
    for (let i = 0; i < sequential; i++) {
      const doneAt = yield* noop.makeTask(n + i).result();
      unloaded.push(now() - doneAt);
    }
  });
  await execute(chain(), { queue, showProgress: false });
  await queue.close();
  await stopWorkers();
  sqs.destroy();
  return { rate: n / seconds, seconds, latencies, unloaded };
}

function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const ms = (v) => `${v.toFixed(1)} ms`;

async function main() {
  const server = startChild(['emulator']);
  const { port } = await server.ready;
  const endpoint = `http://127.0.0.1:${port}`;
  console.log(
    `SQS bench: ${TASKS} no-op tasks, ${WORKERS} worker processes (concurrency ${CONCURRENCY}), fauxqs in its own process`,
  );
  const base = await floor(endpoint, TASKS);
  const ours = await throughMazepa(endpoint, TASKS, SEQUENTIAL);
  console.log(`hand-written SDK round trip (floor): ${base.rate.toFixed(0)} tasks/s (${base.seconds.toFixed(2)} s)`);
  console.log(`execute() + SqsExecutionQueue:      ${ours.rate.toFixed(0)} tasks/s (${ours.seconds.toFixed(2)} s)`);
  console.log(`ratio (mazepa / floor):              ${(ours.rate / base.rate).toFixed(2)}  (target >= 0.80)`);
  console.log(
    `latency, task completion -> outcome received (floor, under load): median ${ms(quantile(base.latencies, 0.5))}, p99 ${ms(quantile(base.latencies, 0.99))}`,
  );
  console.log(
    `latency, task completion -> flow resumed (mazepa, under load):   median ${ms(quantile(ours.latencies, 0.5))}, p99 ${ms(quantile(ours.latencies, 0.99))}`,
  );
  console.log(
    `latency, task completion -> flow resumed (mazepa, ${SEQUENTIAL} sequential tasks): median ${ms(quantile(ours.unloaded, 0.5))}, p99 ${ms(quantile(ours.unloaded, 0.99))}`,
  );
  server.child.disconnect();
  await once(server.child, 'exit');
}

if (process.argv[2] === 'emulator') await emulator();
else if (process.argv[2] === 'worker') await worker(process.argv[3], process.argv[4]);
else await main();
