// The cost of showProgress at 10^6 tasks: the same run with and without it, alternated.
// Run: npm run build && node bench/progress.bench.mjs 2>/dev/null (or on a terminal, for the bars)
import { execute, flowSchema, taskableOperation } from '../dist/index.js';

const N = Number(process.argv[2] ?? 1_000_000);
const op = taskableOperation(function progressBenchChunk(i) {
  return i;
});
const flow = flowSchema(function* progressBench(n) {
  for (let i = 0; i < n; i++) yield op.makeTask(i);
});
const times = { off: [], on: [] };
for (let round = 0; round < 3; round++) {
  for (const mode of ['off', 'on']) {
    const t0 = performance.now();
    await execute(flow(N), { showProgress: mode === 'on' });
    times[mode].push(performance.now() - t0);
  }
}
const best = (xs) => Math.min(...xs);
console.log(
  `${N} tasks: ${best(times.off).toFixed(0)} ms without progress, ${best(times.on).toFixed(0)} ms with ` +
    `(ratio ${(best(times.on) / best(times.off)).toFixed(3)}, stderr ${process.stderr.isTTY ? 'a terminal' : 'not a terminal'})`,
);
