import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCheckpoint } from '../src/streams/checkpoint-parse.js';
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
  const first = spawnMazepa([...args, ...flags]);
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

  it('should make execute() itself write the checkpoint on SIGINT, then end the process as SIGINT would', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mazepa-sigint-'));
    const log = join(dir, 'runs.log');
    const ckpt = join(dir, 'run.ckpt');
    const script = spawnScript('test/fixtures/run/execute-directly.ts', [log, ckpt]);
    await script.printed('halfway');
    script.child.kill('SIGINT');
    const stopped = await script.exited;
    expect(stopped.signal).toBe('SIGINT');
    expect(stopped.stdout).not.toContain('finished');
    const ran = runCounts(log).filter((c) => c > 0).length;
    // the interval (60 s) never came: this is the write on the way out
    expect(checkpointed(ckpt).size).toBeGreaterThanOrEqual(ran - 1);
  });
});
