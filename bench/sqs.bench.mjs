// SQS benchmark: the same number of no-op tasks (a) as a hand-written SDK round trip, the floor
// (send task batches, receive, delete, send the outcome, receive it, delete it) and (b) through
// execute() with SqsExecutionQueue (a flow yielding layers of 1,000 tasks), both with worker
// processes and the emulator (fauxqs) in a process of its own. A counting HTTP proxy (a process of
// its own, two ports: one for the orchestrator, one for the workers) stands between every client
// and the emulator and counts SQS requests by action and side. Prints tasks/s of both, the ratio,
// requests per task, the orchestrator's CPU per task next to the SDK's own CPU per call (measured
// in the same run), the orchestrator's peak RSS and the latency from a task's completion (on the
// worker) to the resumption of the flow waiting on it. Run with `npm run bench:sqs`; the default
// is 20,000 tasks and 2 workers, then 100,000 tasks and 4 workers (BENCH_LARGE=0 skips that).
// BENCH_TASKS / BENCH_WORKERS run one shape only; BENCH_PACK sets the queue's maxTasksPerMessage;
// BENCH_FLOOR=0 skips the floor (quicker while iterating; the ratio is not printed then);
// BENCH_PROFILE=<file> writes a CPU profile of the orchestrator during the timed execute() only.
//
// This file has four roles, chosen by argv[2]: the benchmark (no argument), `emulator`, `proxy`,
// and `worker <mode> <queue>` (mode `floor`: a raw SDK loop; mode `mazepa`: runWorker).
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import http from 'node:http';
import { clearInterval, setInterval } from 'node:timers';
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
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 200);
const LAYER = 1000; // tasks per layer of the flow
const CONCURRENCY = 16; // per worker process
const SHAPES =
  process.env.BENCH_TASKS !== undefined
    ? [{ tasks: Number(process.env.BENCH_TASKS), workers: Number(process.env.BENCH_WORKERS ?? 2) }]
    : [{ tasks: 20_000, workers: 2 }, ...(process.env.BENCH_LARGE === '0' ? [] : [{ tasks: 100_000, workers: 4 }])];
const RECEIVERS = 2; // receive loops per worker process (runWorker uses ceil(concurrency / 10))
const OUTCOME_RECEIVERS = 3; // as SqsExecutionQueue's default
const SEND_CONCURRENCY = 8; // as SqsExecutionQueue's default

/** A wall-clock time in ms with sub-ms precision, comparable across processes. */
const now = () => performance.timeOrigin + performance.now();

function client(endpoint) {
  // Requests go to `endpoint` (the proxy), whatever host a queue URL names.
  return new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'b', secretAccessKey: 'b' },
    useQueueUrlAsEndpoint: false,
  });
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

// ---- role: proxy ----------------------------------------------------------------------------
// Two ports (orchestrator, workers) forwarding to the emulator; counts requests by side and by
// action (the X-Amz-Target of the JSON protocol, else the Action of the query protocol).
async function proxy(upstreamPort) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  let counts = { orchestrator: {}, workers: {} };
  const serve = (side) =>
    http.createServer((req, res) => {
      const target = req.headers['x-amz-target'];
      const action = typeof target === 'string' ? target.slice(target.indexOf('.') + 1) : actionOf(req.url);
      counts[side][action] = (counts[side][action] ?? 0) + 1;
      const upstream = http.request(
        { host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers, agent },
        (response) => {
          res.writeHead(response.statusCode, response.headers);
          if (action === 'ReceiveMessage') {
            // An empty receive: a response without a message in it (JSON or query protocol).
            let found = false;
            response.on('data', (chunk) => (found ||= /"Messages"\s*:\s*\[\s*\{|<Message>/.test(chunk.toString())));
            response.on('end', () => {
              if (!found) counts[side]['ReceiveMessage (empty)'] = (counts[side]['ReceiveMessage (empty)'] ?? 0) + 1;
            });
          }
          response.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
  const ports = {};
  for (const side of ['orchestrator', 'workers']) {
    const server = serve(side);
    server.keepAliveTimeout = 60_000;
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    ports[side] = server.address().port;
  }
  process.on('message', (message) => {
    if (message === 'counts') {
      process.send({ counts });
      counts = { orchestrator: {}, workers: {} };
    }
  });
  process.send({ ports });
  process.on('disconnect', () => process.exit(0));
}

function actionOf(url) {
  const match = /[?&]Action=([A-Za-z]+)/.exec(url ?? '');
  return match === null ? 'other' : match[1];
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

async function startWorkers(endpoint, mode, queueName, count) {
  const workers = Array.from({ length: count }, () =>
    startChild(['worker', mode, queueName], { BENCH_ENDPOINT: endpoint }),
  );
  await Promise.all(workers.map((w) => w.ready));
  return async () => {
    for (const w of workers) w.child.disconnect();
    await Promise.all(workers.map((w) => once(w.child, 'exit')));
  };
}

/** The requests the proxy counted since the last call, by side and action. */
async function takeCounts(proxyChild) {
  proxyChild.send('counts');
  const [{ counts }] = await once(proxyChild, 'message');
  return counts;
}

/** The floor: the orchestrator side of the hand-written round trip. */
async function floor(ends, n, workers) {
  const sqs = client(ends.orchestrator);
  const taskUrl = await createQueue(sqs, 'floor-tasks');
  const stopWorkers = await startWorkers(ends.workers, 'floor', 'floor-tasks', workers);
  await floorRun(sqs, taskUrl, 'floor-warm-up', 10); // connections and code warm, as for mazepa
  await takeCounts(ends.proxy);
  const result = await floorRun(sqs, taskUrl, 'floor-tasks-out', n);
  result.counts = await takeCounts(ends.proxy);
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

let noopOperation; // registered once per process

async function throughMazepa(ends, n, workers, sequential) {
  const { execute, flowSchema, taskableOperation } = await import('../dist/index.js');
  const { SqsExecutionQueue } = await import('../dist/sqs.js');
  noopOperation ??= taskableOperation(() => now(), { operationName: 'noop' });
  const noop = noopOperation;
  const sqs = client(ends.orchestrator);
  const pack = process.env.BENCH_PACK === undefined ? {} : { maxTasksPerMessage: Number(process.env.BENCH_PACK) };
  const queue = new SqsExecutionQueue({ queueName: 'mazepa-tasks', client: sqs, ...pack });
  await queue.connect();
  const stopWorkers = await startWorkers(ends.workers, 'mazepa', 'mazepa-tasks', workers);
  // Warm-up: one task, so that connections and code are warm in every process.
  await execute(noop.makeTask(-1), { queue, showProgress: false });
  const layered = flowSchema(function* layered(total) {
    for (let i = 0; i < total; i += LAYER) {
      yield Array.from({ length: Math.min(LAYER, total - i) }, (_, j) => noop.makeTask(i + j));
    }
  });
  await takeCounts(ends.proxy);
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 50);
  const profiler = process.env.BENCH_PROFILE === undefined ? undefined : await startProfile();
  const cpu = process.cpuUsage();
  const start = now();
  const summary = await execute(layered(n), { queue, showProgress: false });
  const seconds = (now() - start) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  if (profiler !== undefined) await profiler.stop(`${process.env.BENCH_PROFILE}.${n}.cpuprofile`);
  clearInterval(sampler);
  const counts = await takeCounts(ends.proxy);
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
  await takeCounts(ends.proxy);
  const sdk = await sdkCostPerCall(sqs);
  await takeCounts(ends.proxy);
  sqs.destroy();
  return { rate: n / seconds, seconds, unloaded, counts, cpuUs: user + system, peakRss, sdk };
}

/** Starts the CPU profiler of this process; `stop(file)` writes the profile. */
async function startProfile() {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(file) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

/**
 * The SDK's own CPU per call in this process: rounds of SendMessageBatch (10), ReceiveMessage
 * and DeleteMessageBatch on a queue of their own, one call at a time.
 */
async function sdkCostPerCall(sqs) {
  const url = await createQueue(sqs, 'sdk-cost');
  const bodies = Array.from({ length: 10 }, (_, i) => JSON.stringify({ i, pad: 'x'.repeat(200) }));
  let calls = 0;
  const cpu = process.cpuUsage();
  for (let round = 0; round < 300; round++) {
    await sendBatch(sqs, url, bodies);
    const messages = await receive(sqs, url, 0);
    calls += 2;
    if (messages.length > 0) {
      await remove(sqs, url, messages);
      calls++;
    }
  }
  const { user, system } = process.cpuUsage(cpu);
  await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
  return (user + system) / calls;
}

function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const ms = (v) => `${v.toFixed(1)} ms`;
// Empty receives are counted among the receives too: left out of the sums.
const sum = (counts) => Object.entries(counts).reduce((a, [action, b]) => (action.endsWith('(empty)') ? a : a + b), 0);
const perTask = (counts, n) =>
  Object.entries(counts)
    .sort(([, a], [, b]) => b - a)
    .map(([action, count]) => `${action} ${(count / n).toFixed(3)}`)
    .join(', ');

async function runShape(ends, { tasks, workers }) {
  console.log(
    `\nSQS bench: ${tasks} no-op tasks in layers of ${LAYER}, ${workers} worker processes (concurrency ${CONCURRENCY}), fauxqs in its own process, counting proxy in its own`,
  );
  const base = process.env.BENCH_FLOOR === '0' ? undefined : await floor(ends, tasks, workers);
  const ours = await throughMazepa(ends, tasks, workers, SEQUENTIAL);
  const { orchestrator, workers: onWorkers } = ours.counts;
  const total = sum(orchestrator) + sum(onWorkers);
  if (base !== undefined) {
    console.log(`hand-written SDK round trip (floor): ${base.rate.toFixed(0)} tasks/s (${base.seconds.toFixed(2)} s)`);
  }
  console.log(`execute() + SqsExecutionQueue:      ${ours.rate.toFixed(0)} tasks/s (${ours.seconds.toFixed(2)} s)`);
  if (base !== undefined) {
    console.log(`ratio (mazepa / floor):              ${(ours.rate / base.rate).toFixed(2)}  (target >= 0.80)`);
  }
  console.log(
    `SQS requests per task, mazepa: ${(total / tasks).toFixed(3)} in all (target <= 0.42), ` +
      `orchestrator ${(sum(orchestrator) / tasks).toFixed(3)} (target <= 0.12), workers ${(sum(onWorkers) / tasks).toFixed(3)}`,
  );
  console.log(`  orchestrator: ${perTask(orchestrator, tasks)}`);
  console.log(`  workers:      ${perTask(onWorkers, tasks)}`);
  if (base !== undefined) {
    const floorTotal = sum(base.counts.orchestrator) + sum(base.counts.workers);
    console.log(
      `SQS requests per task, floor:  ${(floorTotal / tasks).toFixed(3)} in all, orchestrator ${(sum(base.counts.orchestrator) / tasks).toFixed(3)}`,
    );
  }
  const cpuPerTask = ours.cpuUs / tasks;
  console.log(
    `orchestrator CPU: ${cpuPerTask.toFixed(0)} µs per task (${(ours.cpuUs / 1e6).toFixed(2)} s in all); ` +
      `the SDK's own cost: ${ours.sdk.toFixed(0)} µs per call; ` +
      `ceiling per orchestrator core ≈ ${(1e6 / cpuPerTask).toFixed(0)} tasks/s`,
  );
  console.log(`orchestrator peak RSS during the run: ${(ours.peakRss / 2 ** 20).toFixed(0)} MiB`);
  if (base !== undefined) {
    console.log(
      `latency, task completion -> outcome received (floor, under load): median ${ms(quantile(base.latencies, 0.5))}, p99 ${ms(quantile(base.latencies, 0.99))}`,
    );
  }
  console.log(
    `latency, task completion -> flow resumed (mazepa, ${SEQUENTIAL} sequential tasks): median ${ms(quantile(ours.unloaded, 0.5))}, p99 ${ms(quantile(ours.unloaded, 0.99))}`,
  );
}

async function main() {
  const server = startChild(['emulator']);
  const { port } = await server.ready;
  const counter = startChild(['proxy', String(port)]);
  const { ports } = await counter.ready;
  const ends = {
    proxy: counter.child,
    orchestrator: `http://127.0.0.1:${ports.orchestrator}`,
    workers: `http://127.0.0.1:${ports.workers}`,
  };
  for (const shape of SHAPES) await runShape(ends, shape);
  for (const { child } of [counter, server]) {
    child.disconnect();
    await once(child, 'exit');
  }
}

if (process.argv[2] === 'emulator') await emulator();
else if (process.argv[2] === 'proxy') await proxy(Number(process.argv[3]));
else if (process.argv[2] === 'worker') await worker(process.argv[3], process.argv[4]);
else await main();
