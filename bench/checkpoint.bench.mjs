// Checkpoint benchmark at 10^6 completed tasks: the time to record them and append them to the
// journal (one append per 64 tasks, as turns of the event loop would), to compact it (atomically:
// temporary file, fsync, rename), to load it back, and its size; then a whole run of 10^6 tasks
// with a checkpoint vs without (the baseline, in the same run), and the rerun that skips them all.
// Run: npm run build && node --expose-gc bench/checkpoint.bench.mjs [tasks]
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCheckpoint } from '../dist/streams/checkpoint/checkpoint-file.js';
import { openJournal } from '../dist/streams/checkpoint/checkpoint-journal.js';
import { execute, flowSchema, taskableOperation } from '../dist/index.js';

const here = fileURLToPath(import.meta.url);

if (process.argv[2] === '--run') {
  // One whole run, in a process of its own: plain, with a checkpoint, or the rerun that skips all.
  const [, , , mode, n, path] = process.argv;
  const op = taskableOperation(function benchChunk(i) {
    return i;
  });
  const flow = flowSchema(function* benchAll(count) {
    for (let i = 0; i < count; i++) yield op.makeTask(i);
  });
  const options = { showProgress: false, ...(mode === 'plain' ? {} : { checkpoint: path }) };
  if (mode === 'load') {
    const t0 = performance.now();
    const loaded = await loadCheckpoint(path);
    const ms = performance.now() - t0;
    if (loaded.completed.size !== Number(n)) throw new Error(`loaded ${loaded.completed.size}`);
    process.stdout.write(JSON.stringify({ ms, rss: process.resourceUsage().maxRSS * 1024 }));
    process.exit(0);
  }
  const t0 = performance.now();
  const summary = await execute(flow(Number(n)), options);
  const ms = performance.now() - t0;
  if (mode === 'rerun' && summary.skipped !== Number(n)) throw new Error(`rerun skipped ${summary.skipped}`);
  process.stdout.write(JSON.stringify({ ms, rss: process.resourceUsage().maxRSS * 1024 }));
  process.exit(0);
}

const N = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'mazepa-ckpt-bench-'));
const ms = (t0) => `${(performance.now() - t0).toFixed(0)} ms`;
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
const ids = Array.from({ length: N }, () => `chunk-${randomBytes(16).toString('base64url').slice(0, 22)}`);

async function measure(label, valueOf) {
  const path = join(dir, `${label}.ckpt`);
  const { log } = await loadCheckpoint(path);
  const meta = { executionId: 'bench' };
  const journal = openJournal(path, log, true, meta);
  let t0 = performance.now();
  for (let i = 0; i < N; i++) {
    log.record(ids[i], valueOf(i));
    if ((i & 63) === 63) journal.appendLogged();
  }
  journal.appendLogged();
  const record = ms(t0);
  const journalSize = statSync(path).size;
  t0 = performance.now();
  journal.compact(meta);
  const compact = ms(t0);
  journal.close(meta);
  globalThis.gc?.();
  t0 = performance.now();
  const loaded = await loadCheckpoint(path);
  const load = ms(t0);
  if (loaded.completed.size !== N) throw new Error(`loaded ${loaded.completed.size}`);
  console.log(
    `${label.padEnd(22)} record + append ${record.padStart(8)} (journal ${mb(journalSize).padStart(8)})` +
      `  compact ${compact.padStart(8)}  load ${load.padStart(8)}  size ${mb(statSync(path).size).padStart(8)}`,
  );
}

console.log(`checkpoint of ${N} completed tasks (ids like ${ids[0]})`);
await measure('results undefined', () => undefined);
await measure('results small ints', (i) => i);
await measure('results {x,y,z,bigint}', (i) => ({ x: i, y: i + 1, z: 'chunk', n: BigInt(i) }));

// A whole run with a checkpoint vs without, each in a fresh child process (so that neither
// inherits the other's heap, and each peak RSS is its own), alternating, median of RUNS.
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
function child(mode, path) {
  const out = execFileSync(process.execPath, ['--expose-gc', here, '--run', mode, String(N), path], {
    encoding: 'utf8',
  });
  return JSON.parse(out);
}
const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const runs = { plain: [], checkpoint: [], rerun: [], load: [] };
for (let round = 0; round < RUNS; round++) {
  const path = join(dir, `run-${round}.ckpt`);
  runs.plain.push(child('plain', path));
  runs.checkpoint.push(child('checkpoint', path));
  runs.load.push(child('load', path));
  runs.rerun.push(child('rerun', path));
}
const [plain, withCheckpoint, skipped, load] = ['plain', 'checkpoint', 'rerun', 'load'].map((k) =>
  median(runs[k].map((r) => r.ms)),
);
const rss = (k) => mb(Math.max(...runs[k].map((r) => r.rss)));
console.log(
  `execute ${N} tasks (median of ${RUNS}, fresh process each): ${plain.toFixed(0)} ms plain (peak RSS ${rss('plain')}), ` +
    `${withCheckpoint.toFixed(0)} ms with a checkpoint (ratio ${(withCheckpoint / plain).toFixed(2)}, peak RSS ` +
    `${rss('checkpoint')}), rerun skipping all ${skipped.toFixed(0)} ms (peak RSS ${rss('rerun')}); ` +
    `file ${mb(statSync(join(dir, 'run-0.ckpt')).size)}, load ${load.toFixed(0)} ms (peak RSS ${rss('load')})`,
);
