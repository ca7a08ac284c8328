import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { map } from 'rxjs';
import {
  execution,
  flowSchema,
  serveDashboard,
  taskableOperation,
  type DashboardServer,
  type ExecutionEvent,
} from 'mazepa';
import { launchBrowser, skipReason } from './dashboard/browser.js';

if (skipReason !== undefined) console.warn(skipReason);

const gates = new Map<string, Promise<void>>();
const work = taskableOperation(function work(i: number) {
  if (i % 4 === 0) throw new Error(`<script>window.injected = 1</script> bad chunk ${i}\nsecond line`);
  return i;
});
const hold = taskableOperation(async function hold(gate: string) {
  await gates.get(gate);
});
const job = flowSchema(function* job(gate: string) {
  yield Array.from({ length: 20 }, (_, i) => work.makeTask(i));
  yield hold.makeTask(gate);
});

/** A run whose `hold` task waits until `release` is called: the page is looked at mid-run. */
function gatedRun() {
  let release!: () => void;
  const gate = `gate-${gates.size}`;
  gates.set(gate, new Promise<void>((resolve) => (release = resolve)));
  return { flow: job(gate), release };
}

function listening(): { ready: Promise<DashboardServer>; onListening: (s: DashboardServer) => void } {
  let onListening!: (s: DashboardServer) => void;
  const ready = new Promise<DashboardServer>((resolve) => (onListening = resolve));
  return { ready, onListening };
}

const cell = (page: Page, op: string, key: string) =>
  page.locator(`#operations tr[data-name="${op}"] td[data-key="${key}"]`);
const stat = (page: Page, key: string) => page.locator(`#header div[data-key="${key}"] dd`);
const workerCell = (page: Page, worker: string, key: string) =>
  page.locator(`#workers tr[data-key="${worker}"] td[data-key="${key}"]`);

/** The facts a remote worker adds to its outcomes, as an SQS queue's outcomes carry them. */
function fromWorker() {
  let done = 0;
  return map((event: ExecutionEvent): ExecutionEvent => {
    if (event.type !== 'task_succeeded') return event;
    const worker = { host: 'node-a', pid: 101, tasksDone: ++done, tasksRunning: 1, rssBytes: 64 * 2 ** 20 };
    return { ...event, outcome: { ...event.outcome, worker } };
  });
}

describe.skipIf(skipReason !== undefined)('the dashboard in headless Chromium', () => {
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the counts during and after a run, a failure group with its stack as text, a growing chart, workers and the queue', async () => {
    const { flow, release } = gatedRun();
    const { ready, onListening } = listening();
    const depth = async () => ({ waiting: 4, inFlight: 1, delayed: 0, deadLetters: 3 });
    const events = execution(flow, { raiseOnFailedTask: false, showProgress: false }).pipe(fromWorker());
    const done = new Promise<void>((resolve, reject) =>
      serveDashboard(events, {
        print: false,
        onListening,
        depth,
      }).subscribe({
        error: reject,
        complete: resolve,
      }),
    );
    const server = await ready;
    const page = await browser.context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && consoleErrors.push(m.text())));
    await page.goto(server.url);
    expect(page.url()).not.toContain('token='); // traded for the cookie
    // During the run: 15 succeeded, 5 failed, the held task in flight.
    await expect.poll(() => cell(page, 'work', 'succeeded').textContent()).toBe('15');
    expect(await cell(page, 'work', 'failed').textContent()).toBe('5');
    await expect.poll(() => cell(page, 'hold', 'inFlight').textContent()).toBe('1');
    expect(await stat(page, 'status').textContent()).toBe('running');
    // The failure group: 5 of one kind (the first line only), the stack inside, as text.
    const group = page.locator('#failures details').first();
    expect(await group.locator('.count').textContent()).toBe('1');
    expect(await page.locator('#failures details').count()).toBe(5); // each message's first line differs by its chunk
    await group.locator('summary').click();
    const stack = await group.locator('pre.stack').textContent();
    expect(stack).toContain('<script>window.injected = 1</script>');
    expect(stack).toMatch(/at /);
    expect(await page.locator('#failures script').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { injected?: number }).injected)).toBeUndefined();
    // The chart grows by a point a second.
    const points = async () => Number(await page.locator('#chart').getAttribute('data-points'));
    const before = await points();
    await expect.poll(points, { timeout: 5000 }).toBeGreaterThan(before);
    // The workers panel, from the facts on the outcomes; the queue's depth and dead letters.
    await expect.poll(() => workerCell(page, 'node-a:101', 'done').textContent()).toBe('15');
    expect(await workerCell(page, 'node-a:101', 'totalDone').textContent()).toBe('15');
    expect(await workerCell(page, 'node-a:101', 'memory').textContent()).toBe('64 MiB');
    expect(await page.locator('#workers-section').isVisible()).toBe(true);
    await expect.poll(() => stat(page, 'dead letters').textContent(), { timeout: 5000 }).toBe('3');
    expect(await stat(page, 'queue waiting').textContent()).toBe('4');
    await page.screenshot({ path: join(mkdtempSync(join(tmpdir(), 'mazepa-shot-')), 'dashboard.png') });
    if (process.env.MAZEPA_SCREENSHOT !== undefined)
      await page.screenshot({ path: process.env.MAZEPA_SCREENSHOT, fullPage: true });
    release();
    await done;
    // After the run: the final state stays.
    await expect.poll(() => stat(page, 'status').textContent()).toBe('completed with failures');
    expect(await cell(page, 'hold', 'succeeded').textContent()).toBe('1');
    expect(await stat(page, 'done').textContent()).toBe('21 / 21');
    expect(consoleErrors).toEqual([]);
    await page.close();
    await server.close();
  });

  it('reconnects to a restarted server and shows the new run', async () => {
    const token = 'ab'.repeat(16);
    const first = gatedRun();
    const one = listening();
    const run1 = serveDashboard(
      execution(first.flow, { raiseOnFailedTask: false, showProgress: false, executionId: 'first' }),
      {
        print: false,
        token,
        onListening: one.onListening,
      },
    ).subscribe();
    const server1 = await one.ready;
    const page = await browser.context.newPage();
    await page.goto(server1.url);
    await expect.poll(() => page.locator('#execution-id').textContent()).toBe('first');
    first.release();
    run1.unsubscribe();
    await server1.close();
    await expect.poll(() => page.locator('#connection').textContent()).toContain('reconnecting');
    const second = gatedRun();
    const two = listening();
    const run2 = serveDashboard(
      execution(second.flow, { raiseOnFailedTask: false, showProgress: false, executionId: 'second' }),
      {
        print: false,
        token,
        port: server1.port,
        onListening: two.onListening,
      },
    ).subscribe();
    const server2 = await two.ready;
    await expect.poll(() => page.locator('#execution-id').textContent(), { timeout: 10_000 }).toBe('second');
    expect(await page.locator('#connection').textContent()).toBe('live');
    second.release();
    run2.unsubscribe();
    await page.close();
    await server2.close();
  });

  it('refuses a page without the token or with a wrong one', async () => {
    const { flow, release } = gatedRun();
    const { ready, onListening } = listening();
    const run = serveDashboard(execution(flow, { showProgress: false, raiseOnFailedTask: false }), {
      print: false,
      onListening,
    }).subscribe();
    const server = await ready;
    const fresh = await launchBrowser();
    try {
      const page = await fresh.context.newPage();
      const bare = await page.goto(server.url.replace(/\?token=.*/, ''));
      expect(bare!.status()).toBe(401);
      const wrong = await page.goto(server.url.replace(/token=.*/, `token=${'0'.repeat(32)}`));
      expect(wrong!.status()).toBe(403);
      expect(await page.locator('#operations').count()).toBe(0);
    } finally {
      await fresh.close();
      release();
      run.unsubscribe();
      await server.close();
    }
  });
});
