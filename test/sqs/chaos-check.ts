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
  const { counts } = report;
  const lost = counts.lostReset + counts.lost500;
  process.stdout.write(
    `${o.name}: ${o.tasks} tasks in ${report.seconds.toFixed(1)} s; calls ${counts.calls}, ` +
      `failed: ${counts.error500} x 500, ${counts.throttle} throttled, ${counts.drop} dropped, ` +
      `${counts.outage} in the outage (${report.outageSeconds.toFixed(1)} s); ` +
      `applied but answer lost: ${lost} (${JSON.stringify(counts.lostByAction)}); ` +
      `tasks run twice: ${duplicates.length}\n`,
  );
  const codes = await report.stop();
  expect(report.stderr).not.toMatch(/has failed for/);
  expect(report.code).toBe(0);
  // Nothing lost, and each task counted once: the orchestrator keeps a task's first outcome.
  expect(report.stdout).toContain(`total ${layeredTotal(o.tasks, o.layers)}`);
  expect(report.stdout).toContain(`${o.tasks} succeeded, 0 failed`);
  expect(report.runs.size).toBe(o.tasks);
  // A task runs twice only when its message was sent twice: a push (SendMessageBatch) applied
  // whose answer was lost, retried. A call failed before the server never acts twice.
  if ((counts.lostByAction['SendMessageBatch'] ?? 0) === 0) expect(duplicates).toEqual([]);
  if (o.lostRate > 0) expect(lost).toBeGreaterThan(0);
  // The faults happened, of every kind, and the outage too.
  expect(report.outageHappened).toBe(true);
  expect(report.counts).toMatchObject({
    error500: expect.any(Number),
    throttle: expect.any(Number),
    drop: expect.any(Number),
  });
  expect(Math.min(counts.error500, counts.throttle, counts.drop, counts.outage)).toBeGreaterThan(0);
  // Every worker was still up at the end, said that it retried, and stops cleanly.
  expect(report.workersUp).toEqual(report.workers.map(() => true));
  for (const worker of report.workers) {
    expect(worker.stderr.some((line) => /mazepa worker: SQS \w+ on queue .*; retrying in \d+ ms/.test(line))).toBe(
      true,
    );
  }
  expect(codes).toEqual(report.workers.map(() => 0));
}
