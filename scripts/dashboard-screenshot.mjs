// Makes docs/images/dashboard.png: the dashboard of the volume demo while it runs
// (`npm run demo -- --dashboard`), taken in headless Chromium (/usr/bin/chromium, through
// playwright-core). Run with `npm run docs:screenshot`.
/* global document */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = fileURLToPath(new URL('../docs/images/dashboard.png', import.meta.url));

const demo = spawn('npm', ['run', 'demo', '--', '--dashboard'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
const exited = once(demo, 'close');
const url = await new Promise((resolve, reject) => {
  createInterface({ input: demo.stderr }).on('line', (line) => {
    const match = /dashboard at (\S+)/.exec(line);
    if (match !== null) resolve(match[1]);
  });
  demo.on('close', () => reject(new Error('the demo ended without printing the dashboard URL')));
});
console.log(`demo dashboard at ${url}`);

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 860 } });
  await page.goto(url);
  // Mid-run: a few seconds of throughput on the chart, the merges begun, the run still going.
  await page.waitForFunction(
    () =>
      Number(document.querySelector('#chart')?.dataset.points ?? 0) >= 5 &&
      document.querySelectorAll('#operations tbody tr').length >= 2 &&
      document.querySelector('#header div[data-key="status"] dd')?.textContent === 'running',
    undefined,
    { timeout: 60_000, polling: 200 },
  );
  const done = await page.locator('#header div[data-key="done"] dd').textContent();
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out} (done ${done}, status running)`);
} finally {
  await browser.close();
}
await exited;
