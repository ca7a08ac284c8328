// Local-queue benchmark: mazepa vs a plain loop of direct calls (the floor) vs p-queue, for a flat
// fan-out and a layered DAG, at 10^5 and 10^6 tasks. Each measurement runs in a fresh child
// process, so its peak RSS is its own; each is run BENCH_RUNS times (default 3), alternating, and
// the median is printed. Run with `npm run bench` (it builds dist first).
// Env: BENCH_SIZES=1000000 runs only those sizes (comma-separated); BENCH_BASELINE=/path/to/dist adds
// a contender 'mazepa (baseline)' running another build (e.g. main's), for before/after in one run;
// BENCH_CONTENDERS=mazepa,baseline runs only those; BENCH_LAYERS=1000 makes the DAG that many layers
// (default 10); BENCH_SHAPES=layered runs only that shape (flat,layered by default).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const LAYERS = Number(process.env.BENCH_LAYERS ?? 10);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/** The work every contender does per task: a little arithmetic on the task's coordinates. */
function work(layer, i) {
  return (layer * 31 + i * 17) % 1009;
}

let mazepa;
async function runMazepa(shape, n) {
  mazepa ??= await import(process.env.BENCH_DIST ?? '../dist/index.js').then((m) => ({
    ...m,
    chunk: m.taskableOperation(function chunk(layer, i) {
      return work(layer, i);
    }),
  }));
  const { Dependency, execute, flowSchema, chunk } = mazepa;
  const layers = shape === 'flat' ? 1 : LAYERS;
  const perLayer = Math.floor(n / layers);
  const job = flowSchema(function* job() {
    for (let layer = 0; layer < layers; layer++) {
      for (let i = 0; i < perLayer; i++) yield chunk.makeTask(layer, i);
      yield new Dependency();
    }
  });
  const summary = await execute(job(), { showProgress: false });
  if (summary.succeeded !== perLayer * layers) throw new Error(`mazepa ran ${summary.succeeded} tasks`);
}

async function runLoop(shape, n) {
  const layers = shape === 'flat' ? 1 : LAYERS;
  const perLayer = Math.floor(n / layers);
  let sum = 0;
  for (let layer = 0; layer < layers; layer++) for (let i = 0; i < perLayer; i++) sum += work(layer, i);
  if (sum < 0) throw new Error('unreachable');
}

async function runPQueue(shape, n) {
  const { default: PQueue } = await import('p-queue');
  const queue = new PQueue({ concurrency: 1 });
  const layers = shape === 'flat' ? 1 : LAYERS;
  const perLayer = Math.floor(n / layers);
  let done = 0;
  for (let layer = 0; layer < layers; layer++) {
    for (let i = 0; i < perLayer; i++) void queue.add(() => work(layer, i)).then(() => done++);
    await queue.onIdle(); // the dependency between layers
  }
  if (done !== perLayer * layers) throw new Error(`p-queue ran ${done} tasks`);
}

const allContenders = { mazepa: runMazepa, loop: runLoop, 'p-queue': runPQueue };
if (process.env.BENCH_BASELINE) allContenders['mazepa (baseline)'] = runMazepa;
const wanted = process.env.BENCH_CONTENDERS?.split(',');
const shortName = (name) => (name === 'mazepa (baseline)' ? 'baseline' : name);
const contenders = Object.fromEntries(
  Object.entries(allContenders).filter(([name]) => wanted === undefined || wanted.includes(shortName(name))),
);
/** The environment of a child: the baseline contender imports the other build. */
function childEnv(name) {
  if (name !== 'mazepa (baseline)') return process.env;
  return { ...process.env, BENCH_DIST: new URL(`file://${process.env.BENCH_BASELINE}/index.js`).href };
}

if (process.argv[2] === '--child') {
  const [, , , name, shape, n] = process.argv;
  await allContenders[name](shape, 2000); // warm up the code paths
  globalThis.gc?.();
  const start = performance.now();
  await allContenders[name](shape, Number(n));
  const ms = performance.now() - start;
  process.stdout.write(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
} else {
  const rows = [];
  const sizes = process.env.BENCH_SIZES?.split(',').map(Number) ?? [100_000, 1_000_000];
  for (const n of sizes) {
    for (const shape of process.env.BENCH_SHAPES?.split(',') ?? ['flat', 'layered']) {
      const results = {};
      // RUNS rounds, contenders alternating within each, so that a noisy moment hits them alike;
      // the median time of each is reported, and its largest peak RSS.
      const runs = {};
      for (let round = 0; round < RUNS; round++) {
        for (const name of Object.keys(contenders)) {
          const out = execFileSync(process.execPath, ['--expose-gc', here, '--child', name, shape, String(n)], {
            encoding: 'utf8',
            maxBuffer: 1 << 20,
            env: childEnv(name),
          });
          (runs[name] ??= []).push(JSON.parse(out));
        }
      }
      for (const [name, list] of Object.entries(runs)) {
        const times = list.map((r) => r.ms).sort((a, b) => a - b);
        results[name] = { ms: times[Math.floor(times.length / 2)], maxRssMb: Math.max(...list.map((r) => r.maxRssMb)) };
      }
      const ours = results.mazepa ?? Object.values(results)[0];
      for (const [name, r] of Object.entries(results)) {
        rows.push({
          tasks: n.toLocaleString('en-US'),
          shape: shape === 'flat' ? 'flat fan-out' : `DAG, ${LAYERS} layers`,
          contender: name,
          'tasks/s': Math.round((n / r.ms) * 1000).toLocaleString('en-US'),
          'µs/task': ((r.ms * 1000) / n).toFixed(2),
          'time vs mazepa': (r.ms / ours.ms).toFixed(3),
          'peak RSS MB': r.maxRssMb.toFixed(0),
        });
      }
    }
  }
  console.log(
    `mazepa local-queue benchmark (node ${process.version}, ${process.arch}), median of ${RUNS} runs each; ` +
      "'time vs mazepa' < 1 is faster than mazepa",
  );
  console.table(rows);
}
