// Worker-threads benchmark: a CPU-bound operation (a 3x3x3 convolution of a 3-D Float32Array
// chunk, ~8 ms each) over 64 chunks, on the plain local queue vs ThreadExecutionQueue with 1 and
// 2 threads. Each measurement runs in a fresh child process, so its peak RSS (threads included)
// is its own. Run with `npm run build && node bench/threads.bench.mjs`.
//
// This file is also the operations module the threads import: there it only registers `convolve`.
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import {
  Dependency,
  LocalExecutionQueue,
  ThreadExecutionQueue,
  execute,
  flowSchema,
  taskableOperation,
} from '../dist/index.js';

const here = fileURLToPath(import.meta.url);
const CHUNKS = 64;
const REPEATS = 5;
const [X, Y, Z] = [64, 64, 64];

/** A chunk's voxels, as if read from storage: deterministic noise from the chunk index. */
function readChunk(index) {
  const data = new Float32Array(X * Y * Z);
  let s = (index + 1) * 2654435761;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 4294967296;
  }
  return data;
}

/** 3x3x3 box-blur of the interior, then a checksum (what a real task would write back). */
export const convolve = taskableOperation(function convolve(index) {
  const src = readChunk(index);
  const dst = new Float32Array(src.length);
  const sy = X;
  const sz = X * Y;
  for (let z = 1; z < Z - 1; z++) {
    for (let y = 1; y < Y - 1; y++) {
      for (let x = 1; x < X - 1; x++) {
        const c = x + y * sy + z * sz;
        let acc = 0;
        for (let dz = -sz; dz <= sz; dz += sz) {
          for (let dy = -sy; dy <= sy; dy += sy) acc += src[c + dz + dy - 1] + src[c + dz + dy] + src[c + dz + dy + 1];
        }
        dst[c] = acc / 27;
      }
    }
  }
  let sum = 0;
  for (let i = 0; i < dst.length; i++) sum += dst[i];
  return sum;
});

const job = flowSchema(function* job(n, sums) {
  const tasks = Array.from({ length: n }, (_, i) => convolve.makeTask(i));
  yield tasks;
  yield new Dependency();
  for (const t of tasks) sums.push([t.outcome.returnValue, t.outcome.executionSecs]);
});

function makeQueue(name) {
  if (name === 'local') return new LocalExecutionQueue();
  return new ThreadExecutionQueue({
    threads: Number(name.split('-')[1]),
    imports: [import.meta.url],
  });
}

async function child(name) {
  const bootStart = performance.now();
  const queue = makeQueue(name);
  await execute(job(2, []), { queue, showProgress: false }); // boots the threads, warms the JIT
  const bootMs = performance.now() - bootStart;
  const sums = [];
  const start = performance.now();
  await execute(job(CHUNKS, sums), { queue, showProgress: false });
  const ms = performance.now() - start;
  await queue.close?.();
  const checksum = sums.reduce((a, [sum]) => a + sum, 0);
  const taskMs = (sums.reduce((a, [, secs]) => a + secs, 0) * 1000) / sums.length;
  process.stdout.write(
    JSON.stringify({
      ms,
      bootMs,
      taskMs,
      checksum,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main() {
  const contenders = ['local', 'threads-1', 'threads-2'];
  const runs = Object.fromEntries(contenders.map((c) => [c, []]));
  for (let r = 0; r < REPEATS; r++) {
    for (const name of contenders) {
      const out = execFileSync(process.execPath, [here, '--child', name], { encoding: 'utf8' });
      runs[name].push(JSON.parse(out));
    }
  }
  const checksums = new Set(contenders.flatMap((c) => runs[c].map((r) => r.checksum.toFixed(3))));
  if (checksums.size !== 1) throw new Error(`contenders disagree on the results: ${[...checksums].join(', ')}`);
  const localMs = median(runs.local.map((r) => r.ms));
  const rows = contenders.map((name) => {
    const ms = median(runs[name].map((r) => r.ms));
    return {
      queue: name === 'local' ? 'LocalExecutionQueue' : `ThreadExecutionQueue, ${name.split('-')[1]} thread(s)`,
      'wall ms (median)': ms.toFixed(0),
      'ms/chunk': (ms / CHUNKS).toFixed(1),
      'ms in task (mean)': median(runs[name].map((r) => r.taskMs)).toFixed(1),
      'speed-up vs local': (localMs / ms).toFixed(2),
      'startup ms': median(runs[name].map((r) => r.bootMs)).toFixed(0),
      'peak RSS MB': Math.max(...runs[name].map((r) => r.maxRssMb)).toFixed(0),
    };
  });
  console.log(
    `mazepa threads benchmark (node ${process.version}, ${availableParallelism()} cores): ${CHUNKS} chunks of ` +
      `${X}x${Y}x${Z} float32, 3x3x3 convolution each; median of ${REPEATS} runs, each in a fresh process; ` +
      "'startup' = queue creation + a 2-chunk warm-up, not in the wall time",
  );
  console.table(rows);
}

if (isMainThread) {
  if (process.argv[2] === '--child') await child(process.argv[3]);
  else if (process.argv[1] === here) await main();
}
