// Checkpoint benchmark at 10^6 completed tasks: the time to record them, write the file
// (atomically: temporary file, fsync, rename), load it back, and its size; then a whole run of
// 10^6 tasks with a checkpoint vs without, and the rerun that skips them all.
// Run: npm run build && node --expose-gc bench/checkpoint.bench.mjs [tasks]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCheckpointLog } from '../dist/streams/checkpoint-format.js';
import { loadCheckpoint, writeFileAtomic } from '../dist/streams/checkpoint-file.js';
import { execute, flowSchema, taskableOperation } from '../dist/index.js';

const N = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'mazepa-ckpt-bench-'));
const ms = (t0) => `${(performance.now() - t0).toFixed(0)} ms`;
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
const ids = Array.from({ length: N }, () => `chunk-${randomBytes(16).toString('base64url').slice(0, 22)}`);

async function measure(label, valueOf) {
  const path = join(dir, `${label}.ckpt`);
  const log = createCheckpointLog();
  let t0 = performance.now();
  for (let i = 0; i < N; i++) log.record(ids[i], valueOf(i));
  const record = ms(t0);
  t0 = performance.now();
  await writeFileAtomic(path, log.serialize({ executionId: 'bench' }));
  const write = ms(t0);
  // A second write after 1% more tasks: earlier lines are not encoded again.
  for (let i = 0; i < N / 100; i++) log.record(`extra-${i}`, valueOf(i));
  t0 = performance.now();
  await writeFileAtomic(path, log.serialize({ executionId: 'bench' }));
  const rewrite = ms(t0);
  globalThis.gc?.();
  t0 = performance.now();
  const loaded = await loadCheckpoint(path);
  const load = ms(t0);
  if (loaded.completed.size !== N + N / 100) throw new Error(`loaded ${loaded.completed.size}`);
  console.log(
    `${label.padEnd(22)} record ${record.padStart(8)}  write ${write.padStart(8)}  rewrite +1% ${rewrite.padStart(8)}` +
      `  load ${load.padStart(8)}  size ${mb(statSync(path).size).padStart(8)}`,
  );
}

console.log(`checkpoint of ${N} completed tasks (ids like ${ids[0]})`);
await measure('results undefined', () => undefined);
await measure('results small ints', (i) => i);
await measure('results {x,y,z,bigint}', (i) => ({ x: i, y: i + 1, z: 'chunk', n: BigInt(i) }));

const op = taskableOperation(function benchChunk(i) {
  return i;
});
const flow = flowSchema(function* benchAll(n) {
  for (let i = 0; i < n; i++) yield op.makeTask(i);
});
const quiet = { showProgress: false };
let t0 = performance.now();
await execute(flow(N), quiet);
const plain = performance.now() - t0;
const path = join(dir, 'run.ckpt');
t0 = performance.now();
await execute(flow(N), { ...quiet, checkpoint: path });
const withCheckpoint = performance.now() - t0;
t0 = performance.now();
const rerun = await execute(flow(N), { ...quiet, checkpoint: path });
const skipped = performance.now() - t0;
if (rerun.skipped !== N) throw new Error(`rerun skipped ${rerun.skipped}`);
console.log(
  `execute ${N} tasks: ${plain.toFixed(0)} ms plain, ${withCheckpoint.toFixed(0)} ms with a checkpoint ` +
    `(ratio ${(withCheckpoint / plain).toFixed(2)}), rerun skipping all ${skipped.toFixed(0)} ms; ` +
    `file ${mb(statSync(path).size)}; peak RSS ${mb(process.resourceUsage().maxRSS * 1024)}`,
);
