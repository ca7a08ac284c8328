import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCheckpoint } from '../src/streams/checkpoint/checkpoint-parse.js';
import { spawnMazepa, spawnScript } from './fixtures/run/spawn-mazepa.js';

const N = 2000;

/** How many times each task index ran, from the fixture's log. */
function runCounts(log: string): number[] {
  const counts = new Array<number>(N).fill(0);
  for (const line of readFileSync(log, 'utf8').split('\n')) if (line !== '') counts[Number(line)]!++;
  return counts;
}

/** The task indexes a checkpoint holds (each task returns twice its index). */
function checkpointed(path: string): Set<number> {
  const { completed } = parseCheckpoint(readFileSync(path), path);
  return new Set([...completed.values()].map((o) => (o.returnValue as number) / 2));
}

async function interruptAndResume(signal: 'SIGKILL' | 'SIGINT') {
  const dir = mkdtempSync(join(tmpdir(), 'mazepa-resume-'));
  const log = join(dir, 'runs.log');
  const ckpt = join(dir, 'run.ckpt');
  const args = ['run', 'test/fixtures/run/count-tasks.ts', '--args', JSON.stringify([log, N])];
  const flags = ['--checkpoint', ckpt, '--checkpoint-interval', '0.02', '--concurrency', '4', '--no-progress'];
  // The tasks of the second half hold until the run is stopped: it cannot finish before the signal.
  const first = spawnScript('src/cli/main.ts', [...args, ...flags], {
    ...process.env,
    MAZEPA_TEST_HOLD_FROM: String(N / 2),
  });
  await first.printed('halfway');
  first.child.kill(signal);
  const stopped = await first.exited;
  const before = runCounts(log);
  const saved = checkpointed(ckpt);
  const second = await spawnMazepa([...args, ...flags]).exited;
  expect(second.stderr).toBe('');
  expect(second.code).toBe(0);
  expect(second.stdout).toContain(`${N - saved.size} succeeded`);
  expect(second.stdout).toContain(`${saved.size} skipped`);
  return { stopped, before, after: runCounts(log), saved };
}

describe('mazepa run --checkpoint', () => {
  it('should resume after SIGKILL, running again only the tasks the checkpoint did not hold yet', async () => {
    const { stopped, before, after, saved } = await interruptAndResume('SIGKILL');
    expect(stopped.signal).toBe('SIGKILL');
    const ranBefore = before.filter((c) => c > 0).length;
    expect(saved.size).toBeGreaterThan(0);
    expect(ranBefore).toBeLessThan(N);
    expect(after.every((c) => c >= 1 && c <= 2)).toBe(true);
    for (let i = 0; i < N; i++) {
      // recorded in the checkpoint: ran once; otherwise at most once before the kill and once after
      if (saved.has(i)) expect(after[i]).toBe(1);
      else expect(after[i]).toBe(before[i]! + 1);
    }
    const twice = after.filter((c) => c === 2).length;
    // those ran twice: in flight at the kill, or done after the last checkpoint write (20 ms)
    expect(twice).toBe(ranBefore - saved.size);
    expect(twice).toBeLessThan(ranBefore);
  });

  it('should write the checkpoint on SIGINT and exit 130, so only tasks in flight run again', async () => {
    const { stopped, before, after, saved } = await interruptAndResume('SIGINT');
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain('interrupted by SIGINT; checkpoint written to');
    const ranBefore = before.filter((c) => c > 0).length;
    // every task that completed is in the checkpoint: only those in flight (at most 4) are not
    expect(ranBefore - saved.size).toBeLessThanOrEqual(4);
    expect(after.every((c) => c >= 1 && c <= 2)).toBe(true);
    expect(after.filter((c) => c === 2).length).toBeLessThanOrEqual(4);
    for (const i of saved) expect(after[i]).toBe(1);
  });
});

const gated = 'test/fixtures/run/gated-run.ts';

/** How many times each of `n` task indexes ran, from the fixture's log. */
function countsOf(log: string, n: number): number[] {
  const counts = new Array<number>(n).fill(0);
  for (const line of readFileSync(log, 'utf8').split('\n')) if (line !== '') counts[Number(line)]!++;
  return counts;
}

/** Starts the gated fixture holding at half of `n` tasks, and waits until it got there. */
async function holdingAtHalf(n: number) {
  const dir = mkdtempSync(join(tmpdir(), 'mazepa-gated-'));
  const log = join(dir, 'runs.log');
  const ckpt = join(dir, 'run.ckpt');
  const run = spawnScript(gated, [log, ckpt, 'hold', String(n)]);
  await run.printed('halfway');
  return { dir, log, ckpt, run };
}

const temps = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

describe('execute() with a checkpoint, from a program', () => {
  it('should lose at most a handful of finished tasks to SIGKILL at the default interval', async () => {
    const n = 2000;
    const { dir, log, ckpt, run } = await holdingAtHalf(n);
    run.child.kill('SIGKILL');
    expect((await run.exited).signal).toBe('SIGKILL');
    const finished = countsOf(log, n).filter((c) => c > 0).length;
    expect(finished).toBe(n / 2);
    // the default interval (60 s) never came: the journal holds them
    expect(checkpointed(ckpt).size).toBe(n / 2);
    const rerun = await spawnScript(gated, [log, ckpt, 'free', String(n)]).exited;
    expect(rerun.stderr).toBe('');
    expect(rerun.code).toBe(0);
    // the second half and the gate ran; the first half was skipped
    expect(rerun.stdout).toContain(`finished: ${n / 2 + 1} succeeded, ${n / 2} skipped`);
    const after = countsOf(log, n);
    const ranAgain = after.filter((c) => c === 2).length;
    console.log(`SIGKILL at the default checkpoint interval: ${ranAgain} of ${finished} finished tasks ran again`);
    expect(ranAgain).toBeLessThanOrEqual(4);
    expect(after.every((c) => c === 1 || c === 2)).toBe(true);
    expect(temps(dir)).toEqual([]);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'should reject with MazepaCancelledError on %s after writing the checkpoint, and leave the process running',
    async (signal) => {
      const n = 400;
      const { dir, log, ckpt, run } = await holdingAtHalf(n);
      run.child.kill(signal);
      const stopped = await run.exited;
      // the program's catch and finally ran, and it chose its own exit code
      expect(stopped.signal).toBeNull();
      expect(stopped.code).toBe(3);
      expect(stopped.stdout).toMatch(/caught MazepaCancelledError: Execution \S+ was cancelled\nfinally\n$/);
      const finished = countsOf(log, n).filter((c) => c > 0).length;
      expect(checkpointed(ckpt).size).toBe(finished);
      expect(temps(dir)).toEqual([]);
    },
  );

  it('should leave a valid checkpoint and no temporary file after two Ctrl-C in a row', async () => {
    const n = 400;
    const { dir, log, ckpt, run } = await holdingAtHalf(n);
    run.child.kill('SIGINT');
    run.child.kill('SIGINT');
    const stopped = await run.exited;
    // the second one either came while the run stopped (taken) or after (the program's: default)
    expect(stopped.code === 3 || stopped.signal === 'SIGINT').toBe(true);
    const finished = countsOf(log, n).filter((c) => c > 0).length;
    expect(checkpointed(ckpt).size).toBe(finished);
    expect(temps(dir)).toEqual([]);
  });
});
