// The checks of a run through the fault proxy (see chaos-run.ts), shared by the fast and the
// full-size fault tests.
import { expect } from 'vitest';
import { layeredTotal } from '../fixtures/run/layered-flow.js';
import { runChaos, type ChaosOptions } from './chaos-run.js';
import type { Emulator } from './helpers.js';

/** Runs the layered flow through the faults and checks everything the run promises. */
export async function checkChaos(emulator: Emulator, o: ChaosOptions): Promise<void> {
  const report = await runChaos(emulator, o);
  const duplicates = [...report.runs].filter(([, n]) => n > 1);
  process.stdout.write(
    `${o.name}: ${o.tasks} tasks in ${report.seconds.toFixed(1)} s; calls ${report.counts.calls}, ` +
      `failed: ${report.counts.error500} x 500, ${report.counts.throttle} throttled, ${report.counts.drop} dropped, ` +
      `${report.counts.outage} in the outage (${report.outageSeconds.toFixed(1)} s); tasks run twice: ${duplicates.length}\n`,
  );
  const codes = await report.stop();
  expect(report.stderr).not.toMatch(/has failed for/);
  expect(report.code).toBe(0);
  expect(report.stdout).toContain(`total ${layeredTotal(o.tasks, o.layers)}`);
  expect(report.stdout).toContain(`${o.tasks} succeeded, 0 failed`);
  // Every task ran; none twice (a failed call never reached the server, so no retry acted twice).
  expect(report.runs.size).toBe(o.tasks);
  expect(duplicates).toEqual([]);
  // The faults happened, of every kind, and the outage too.
  expect(report.outageHappened).toBe(true);
  expect(report.counts).toMatchObject({
    error500: expect.any(Number),
    throttle: expect.any(Number),
    drop: expect.any(Number),
  });
  expect(
    Math.min(report.counts.error500, report.counts.throttle, report.counts.drop, report.counts.outage),
  ).toBeGreaterThan(0);
  // Every worker was still up at the end, said that it retried, and stops cleanly.
  expect(report.workersUp).toEqual(report.workers.map(() => true));
  for (const worker of report.workers) {
    expect(worker.stderr.some((line) => /mazepa worker: SQS \w+ on queue .*; retrying in \d+ ms/.test(line))).toBe(
      true,
    );
  }
  expect(codes).toEqual(report.workers.map(() => 0));
}
