// Dashboard benchmark: the same run of BENCH_TASKS (default 10^6) no-op tasks in layers of 1,000,
// side by side: without a dashboard, with a dashboard and no page, and with a page open (an SSE
// client connected and reading every frame). Alternating, BENCH_RUNS times (default 3); medians.
// Run with `npm run bench:dashboard` (it builds dist first).
import { request } from 'node:http';

const N = Number(process.env.BENCH_TASKS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const { Dependency, execute, flowSchema, taskableOperation } = await import('../dist/index.js');
const chunk = taskableOperation(function chunk(layer, i) {
  return (layer * 31 + i * 17) % 1009;
});
const job = flowSchema(function* job() {
  for (let layer = 0; layer < N / 1000; layer++) {
    for (let i = 0; i < 1000; i++) yield chunk.makeTask(layer, i);
    yield new Dependency();
  }
});

/** Connects like a page: trades the token for the cookie, then reads the event stream. */
function openPage(url) {
  const { port, searchParams } = new URL(url);
  const cookie = `mazepa_dashboard_${port}=${searchParams.get('token')}`;
  let frames = 0;
  const req = request({ host: '127.0.0.1', port, path: '/api/events', headers: { cookie } }, (res) => {
    res.on('data', (data) => (frames += String(data).split('\n\n').length - 1));
  });
  req.end();
  return { frames: () => frames, close: () => req.destroy() };
}

async function once(mode) {
  let page;
  const dashboard = mode === 'none' ? undefined : { port: 0 };
  const started = performance.now();
  const options = { showProgress: false };
  if (dashboard !== undefined) options.dashboard = dashboard;
  // The URL is printed to stderr; a page is opened from it in the 'page' mode.
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = (text, ...rest) => {
    const match = /dashboard at (\S+)/.exec(String(text));
    if (match) {
      if (mode === 'page') page = openPage(match[1]);
      return true;
    }
    return write(text, ...rest);
  };
  try {
    const summary = await execute(job(), options);
    if (summary.succeeded !== N) throw new Error(`ran ${summary.succeeded}`);
  } finally {
    process.stderr.write = write;
  }
  const ms = performance.now() - started;
  const frames = page?.frames() ?? 0;
  page?.close();
  return { ms, frames };
}

const modes = ['none', 'dashboard', 'page'];
const times = Object.fromEntries(modes.map((m) => [m, []]));
const frames = {};
for (let run = 0; run < RUNS; run++) {
  for (const mode of modes) {
    const result = await once(mode);
    times[mode].push(result.ms);
    if (mode === 'page') frames[run] = result.frames;
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(times.none);
console.log(`dashboard bench: ${N.toLocaleString('en-US')} tasks, layers of 1,000, median of ${RUNS}`);
for (const mode of modes) {
  const m = median(times[mode]);
  const label = { none: 'no dashboard', dashboard: 'dashboard, no page', page: 'dashboard, page open' }[mode];
  console.log(`  ${label.padEnd(22)} ${(m / 1000).toFixed(2)} s  (${((m / base - 1) * 100).toFixed(1)}% vs none)`);
}
console.log(`  frames the page read per run: ${Object.values(frames).join(', ')}`);
process.exit(0);
