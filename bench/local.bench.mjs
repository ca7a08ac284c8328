// Local-queue benchmark: mazepa vs a plain loop of direct calls (the floor) vs p-queue, for three
// shapes of no-op tasks: a flat fan-out, a DAG of 10 layers, and layers of 1,000 tasks (the shape
// of a chunked volume job), a `Dependency` between layers; p-queue runs the same calls at
// concurrency 1 and awaits `Promise.all` of each layer. At 10^5 and 10^6 tasks. Each measurement
// runs in a fresh child process, so its peak RSS is its own; each is run BENCH_RUNS times
// (default 3), alternating, and the median time is printed (with the median CPU time of the process, steadier on a shared
// machine, and the largest peak RSS). Run with
// `npm run bench` (it builds dist first).
// Env: BENCH_SIZES=1000000 runs only those sizes (comma-separated; BENCH_SIZES=10000000 is the
// 10^7 run, about a minute per contender and run); BENCH_SHAPES=layered,flat,dag runs only those
// shapes; BENCH_BASELINE=/path/to/dist adds a contender 'mazepa (baseline)' running another build
// (e.g. main's), for before/after in one run; BENCH_BASELINE2 another, 'mazepa (baseline 2)' (short
// name baseline2); BENCH_CONTENDERS=mazepa,baseline runs only those;
// BENCH_NODE_ARGS adds flags to each child's node. BENCH_OTEL=1 adds two contenders with an
// OpenTelemetry SDK registered (spans to an exporter that drops them, metrics to a reader nobody
// reads): 'otel 1%' samples 1% of traces (a run is one trace: almost always sampled out), 'otel
// on' samples all of them (an attempt span per task: the cost of a run that is sampled in).
// The contender 'mazepa + dashboard (page open)' is mazepa with `dashboard: true` and a client
// reading the page's event stream (as a browser would) for the whole run: its 'time vs mazepa'
// is the dashboard's cost (short name for BENCH_CONTENDERS: dashboard).
import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const DAG_LAYERS = 10;
const LAYER_TASKS = 1000;
/** The layers of a shape at n tasks: [layers, tasks per layer]. */
function layersOf(shape, n) {
  if (shape === 'flat') return [1, n];
  if (shape === 'dag') return [DAG_LAYERS, Math.floor(n / DAG_LAYERS)];
  return [Math.ceil(n / LAYER_TASKS), Math.min(n, LAYER_TASKS)];
}
const SHAPE_NAMES = { flat: 'flat fan-out', dag: `DAG, ${DAG_LAYERS} layers`, layered: `layers of ${LAYER_TASKS}` };
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
// e.g. BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile each child
const NODE_ARGS = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];

/** The work every contender does per task: a little arithmetic on the task's coordinates. */
function work(layer, i) {
  return (layer * 31 + i * 17) % 1009;
}

let mazepa;
async function runMazepa(shape, n, options = {}) {
  mazepa ??= await import(process.env.BENCH_DIST ?? '../dist/index.js').then((m) => ({
    ...m,
    chunk: m.taskableOperation(function chunk(layer, i) {
      return work(layer, i);
    }),
  }));
  const { Dependency, execute, flowSchema, chunk } = mazepa;
  const [layers, perLayer] = layersOf(shape, n);
  const job = flowSchema(function* job() {
    for (let layer = 0; layer < layers; layer++) {
      for (let i = 0; i < perLayer; i++) yield chunk.makeTask(layer, i);
      yield new Dependency();
    }
  });
  const summary = await execute(job(), { showProgress: false, ...options });
  if (summary.succeeded !== perLayer * layers) throw new Error(`mazepa ran ${summary.succeeded} tasks`);
}

/** Connects to a dashboard's URL like a page: trades the token for the cookie, reads the stream. */
function openPage(url) {
  const { port, searchParams } = new URL(url);
  const cookie = `mazepa_dashboard_${port}=${searchParams.get('token')}`;
  const req = request({ host: '127.0.0.1', port, path: '/api/events', headers: { cookie } }, (res) => {
    res.on('data', (data) => JSON.stringify(String(data)).length); // read, as a page would
  });
  req.on('error', () => undefined);
  req.end();
  return req;
}

async function runDashboard(shape, n) {
  // The URL is printed to stderr once the page is up: a page is opened from it.
  const write = process.stderr.write.bind(process.stderr);
  let page;
  process.stderr.write = (text, ...rest) => {
    const match = /dashboard at (\S+)/.exec(String(text));
    if (match === null) return write(text, ...rest);
    page = openPage(match[1]);
    return true;
  };
  try {
    await runMazepa(shape, n, { dashboard: true });
  } finally {
    process.stderr.write = write;
    page?.destroy();
  }
}

async function runLoop(shape, n) {
  const [layers, perLayer] = layersOf(shape, n);
  let sum = 0;
  for (let layer = 0; layer < layers; layer++) for (let i = 0; i < perLayer; i++) sum += work(layer, i);
  if (sum < 0) throw new Error('unreachable');
}

async function runPQueue(shape, n) {
  const { default: PQueue } = await import('p-queue');
  const queue = new PQueue({ concurrency: 1 });
  const [layers, perLayer] = layersOf(shape, n);
  let done = 0;
  for (let layer = 0; layer < layers; layer++) {
    const calls = new Array(perLayer);
    for (let i = 0; i < perLayer; i++) calls[i] = queue.add(() => work(layer, i)).then(() => done++);
    await Promise.all(calls); // the dependency between layers
  }
  if (done !== perLayer * layers) throw new Error(`p-queue ran ${done} tasks`);
}

const allContenders = {
  mazepa: runMazepa,
  'mazepa + dashboard (page open)': runDashboard,
  loop: runLoop,
  'p-queue': runPQueue,
};
if (process.env.BENCH_BASELINE) allContenders['mazepa (baseline)'] = runMazepa;
if (process.env.BENCH_BASELINE2) allContenders['mazepa (baseline 2)'] = runMazepa;
if (process.env.BENCH_OTEL) {
  allContenders['otel 1%'] = runMazepa;
  allContenders['otel on'] = runMazepa;
}

/** Registers an SDK in a child of an 'otel' contender: a ratio sampler, spans dropped, metrics kept. */
async function registerOtel(ratio) {
  const { metrics, trace } = await import('@opentelemetry/api');
  const { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } =
    await import('@opentelemetry/sdk-trace-base');
  const { MeterProvider, MetricReader } = await import('@opentelemetry/sdk-metrics');
  const drop = { export: (_spans, done) => done({ code: 0 }), shutdown: () => Promise.resolve() };
  const sampler = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  trace.setGlobalTracerProvider(new BasicTracerProvider({ sampler, spanProcessors: [new BatchSpanProcessor(drop)] }));
  class Unread extends MetricReader {
    onForceFlush() {
      return Promise.resolve();
    }
    onShutdown() {
      return Promise.resolve();
    }
  }
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [new Unread()] }));
}
const wanted = process.env.BENCH_CONTENDERS?.split(',');
const SHORT_NAMES = {
  'mazepa (baseline)': 'baseline',
  'mazepa (baseline 2)': 'baseline2',
  'mazepa + dashboard (page open)': 'dashboard',
};
/** The build each baseline contender imports. */
const BASELINES = {
  'mazepa (baseline)': process.env.BENCH_BASELINE,
  'mazepa (baseline 2)': process.env.BENCH_BASELINE2,
};
const shortName = (name) => SHORT_NAMES[name] ?? name;
const contenders = Object.fromEntries(
  Object.entries(allContenders).filter(([name]) => wanted === undefined || wanted.includes(shortName(name))),
);
/** The environment of a child: the baseline contender imports the other build. */
function childEnv(name) {
  const dist = BASELINES[name];
  if (dist === undefined) return process.env;
  return { ...process.env, BENCH_DIST: new URL(`file://${dist}/index.js`).href };
}

if (process.argv[2] === '--child') {
  const [, , , name, shape, n] = process.argv;
  if (name.startsWith('otel')) await registerOtel(name === 'otel on' ? 1 : 0.01);
  await allContenders[name](shape, 2000); // warm up the code paths
  globalThis.gc?.();
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  await allContenders[name](shape, Number(n));
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  process.stdout.write(JSON.stringify({ ms, cpuMs, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
} else {
  const rows = [];
  const sizes = process.env.BENCH_SIZES?.split(',').map(Number) ?? [100_000, 1_000_000];
  for (const n of sizes) {
    for (const shape of process.env.BENCH_SHAPES?.split(',') ?? ['layered', 'flat', 'dag']) {
      if (!(shape in SHAPE_NAMES)) throw new Error(`BENCH_SHAPES: unknown shape '${shape}'`);
      const results = {};
      // RUNS rounds, contenders alternating within each, so that a noisy moment hits them alike;
      // the median time of each is reported, and its largest peak RSS.
      const runs = {};
      for (let round = 0; round < RUNS; round++) {
        for (const name of Object.keys(contenders)) {
          const out = execFileSync(
            process.execPath,
            [...NODE_ARGS, '--expose-gc', here, '--child', name, shape, String(n)],
            {
              encoding: 'utf8',
              maxBuffer: 1 << 20,
              env: childEnv(name),
            },
          );
          (runs[name] ??= []).push(JSON.parse(out));
        }
      }
      for (const [name, list] of Object.entries(runs)) {
        const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
        results[name] = {
          ms: median(list.map((r) => r.ms)),
          cpuMs: median(list.map((r) => r.cpuMs)),
          maxRssMb: Math.max(...list.map((r) => r.maxRssMb)),
        };
      }
      const ours = results.mazepa ?? Object.values(results)[0];
      const pq = results['p-queue'];
      for (const [name, r] of Object.entries(results)) {
        rows.push({
          tasks: n.toLocaleString('en-US'),
          shape: SHAPE_NAMES[shape],
          contender: name,
          'tasks/s': Math.round((n / r.ms) * 1000).toLocaleString('en-US'),
          'µs/task': ((r.ms * 1000) / n).toFixed(2),
          'time vs mazepa': (r.ms / ours.ms).toFixed(3),
          // CPU time of the run (user + system), which other processes on the machine disturb less.
          'CPU vs mazepa': (r.cpuMs / ours.cpuMs).toFixed(3),
          'speed vs p-queue': pq === undefined ? '' : `${(pq.ms / r.ms).toFixed(2)}x`,
          // CPU time (all threads of the process, GC included): steadier than wall time on a shared machine.
          'CPU µs/task': ((r.cpuMs * 1000) / n).toFixed(2),
          'CPU vs p-queue': pq === undefined ? '' : `${(pq.cpuMs / r.cpuMs).toFixed(2)}x`,
          'peak RSS MB': r.maxRssMb.toFixed(0),
        });
      }
    }
  }
  console.log(
    `mazepa local-queue benchmark (node ${process.version}, ${process.arch}), median of ${RUNS} runs each; ` +
      "'time vs mazepa' < 1 is faster than mazepa ('CPU vs mazepa': the same in CPU time, medians too); " +
      "'speed vs p-queue' > 1x is faster than p-queue",
  );
  console.table(rows);
}
