import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { runMazepa } from '../src/cli/program.js';
import { spawnMazepa } from './fixtures/run/spawn-mazepa.js';

const fixture = 'test/fixtures/run/count-tasks.ts';
const mistakes = 'test/fixtures/run/mistakes.ts';
const dir = mkdtempSync(join(tmpdir(), 'mazepa-cli-'));
const log = join(dir, 'runs.log');
/** `mazepa ...args` in this process: its exit code and what it printed. */
async function mazepa(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const capture = (into: 'stdout' | 'stderr') =>
    vi.spyOn(process[into], 'write').mockImplementation((text) => {
      out[into] += String(text);
      return true;
    });
  const spies = [capture('stdout'), capture('stderr')];
  try {
    const code = await runMazepa(['node', 'mazepa', ...args]);
    return { code, ...out };
  } finally {
    for (const spy of spies) spy.mockRestore();
    process.exitCode = undefined;
  }
}

/** The same, as the real bin in a child process. */
const bin = (...args: string[]) => spawnMazepa(args).exited;

describe('mazepa run', () => {
  it('should list every option in --help, and exit 0', async () => {
    const [top, run, worker] = [await bin('--help'), await mazepa('run', '--help'), await mazepa('worker', '--help')];
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/run \[options\] <module>/);
    expect(top.stdout).toMatch(/worker/);
    expect(run.code).toBe(0);
    for (const flag of [
      '--export',
      '--args',
      '--checkpoint',
      '--checkpoint-interval',
      '--queue-name',
      '--queue-url',
      '--region',
      '--endpoint',
      '--visibility-timeout',
      '--signing-key-env',
      '--concurrency',
      '--resource-limit',
      '--no-progress',
      '--estimate-totals',
      '--dry-run',
      '--print-result',
      '--help',
    ]) {
      expect(run.stdout).toContain(flag);
    }
    expect(worker.code).toBe(0);
    for (const flag of [
      '--queue-name',
      '--queue-url',
      '--region',
      '--endpoint',
      '--import',
      '--concurrency',
      '--max-runtime',
      '--idle-timeout',
      '--visibility-timeout',
      '--signing-key-env',
      '--resource-limit',
      '--verbose',
    ]) {
      expect(worker.stdout).toContain(flag);
    }
  });

  it('should exit 0 when the flow is done, and print the summary', async () => {
    const done = await bin('run', fixture, '--args', JSON.stringify([log, 20]), '--no-progress');
    expect(done.stderr).toBe('');
    expect(done.stdout).toMatch(/done in [\d.]+ s: 20 succeeded, 0 failed, 0 retried/);
    // no checkpoint, so nothing could be skipped from one
    expect(done.stdout).not.toMatch(/skipped/);
    expect(done.code).toBe(0);
  });

  it('should run a Flow export, chosen with --export', async () => {
    const done = await mazepa('run', fixture, '--export', 'readyFlow', '--no-progress');
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('1 succeeded');
  });

  it('should exit 1 when a task fails, naming the task, its operation and its error', async () => {
    const failed = await bin('run', fixture, '--args', JSON.stringify([log, 20, 7]), '--no-progress');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      /task recordRun-\S+ \(operation 'recordRun'\) failed: RangeError: task 7 was told to fail/,
    );
    expect(failed.stderr).toContain('count-tasks.ts'); // the task's stack
  });

  it('should exit 2 for bad usage, saying what is wrong', async () => {
    const cases = [
      await bin('run'),
      await mazepa('run', fixture, '--no-such-flag'),
      await mazepa('run', 'test/fixtures/run/missing.ts'),
      await mazepa('run', fixture, '--args', '{not json'),
      await mazepa('run', fixture, '--args', '{"a":1}'),
      await mazepa('run', fixture, '--export', 'nope'),
      await mazepa('run', fixture, '--export', 'notAFlow'),
      await mazepa('run', fixture, '--export', 'readyFlow', '--args', '[]'),
      await mazepa('run', fixture, '--concurrency', 'zero'),
      await mazepa('run', fixture, '--resource-limit', 'gpu'),
      await mazepa('run', fixture, '--queue-name', 'q', '--resource-limit', 'gpu=1'),
      await mazepa('worker', '--queue-name', 'q', '--import', fixture, '--resource-limit', 'gpu=0'),
    ];
    const messages = [
      /missing required argument 'module'/,
      /unknown option '--no-such-flag'/,
      /module test\/fixtures\/run\/missing.ts not found/,
      /--args must be a JSON array, and "\{not json" is not JSON/,
      /--args must be a JSON array of arguments/,
      /has no export 'nope'; its exports are: .*countTo/,
      /export 'notAFlow' .* is a number; it must be a Flow/,
      /--args: export 'readyFlow' is a Flow, not a function/,
      /option '--concurrency <n>' argument 'zero' is invalid/,
      /--resource-limit must be NAME=N/,
      /for an SQS queue, give it to the workers \(mazepa worker --resource-limit gpu=1\)/,
      /mazepa worker: --resource-limit must be NAME=N with N >= 1 .*"gpu=0"/,
    ];
    cases.forEach((result, i) => {
      expect(result.stderr).toMatch(messages[i]!);
      expect(result.code).toBe(2);
    });
  });

  it('should exit 2 for a corrupt checkpoint, and not run anything', async () => {
    const ckpt = join(dir, 'corrupt.ckpt');
    writeFileSync(ckpt, 'mazepa-checkpoint 1 {}\nrecordRun-x\nend 1 00000000\n');
    const ownLog = join(dir, 'corrupt-runs.log');
    const refused = await mazepa('run', fixture, '--args', JSON.stringify([ownLog, 5]), '--checkpoint', ckpt);
    expect(refused.stderr).toMatch(/Checkpoint .*corrupt.ckpt is corrupt: its checksum does not match/);
    expect(refused.code).toBe(2);
    expect(existsSync(ownLog)).toBe(false); // no task ran
    expect(refused.stderr).not.toContain('[mazepa]'); // and no progress line for a run that never started
  });

  it('should exit 2 before any task runs when the folder of the checkpoint is missing', async () => {
    const ckpt = join(dir, 'no-such-directory', 'run.ckpt');
    const ownLog = join(dir, 'unwritable-runs.log');
    const result = await mazepa('run', fixture, '--args', JSON.stringify([ownLog, 3]), '--checkpoint', ckpt);
    expect(result.stderr).toMatch(
      /Checkpoint .*no-such-directory.run\.ckpt cannot be written: its folder .*no-such-directory does not exist/,
    );
    expect(result.code).toBe(2);
    expect(existsSync(ownLog)).toBe(false); // no task ran
  });

  it('should exit 1 when the checkpoint cannot be written at the end, saying so', async () => {
    const folder = mkdtempSync(join(dir, 'vanishing-'));
    const ckpt = join(folder, 'run.ckpt');
    const args = JSON.stringify([folder]);
    const result = await mazepa('run', mistakes, '--export', 'removesItsFolder', '--args', args, '--checkpoint', ckpt);
    expect(result.stderr).toMatch(/Checkpoint .*vanishing-.*run\.ckpt could not be written/);
    expect(result.code).toBe(1);
  });

  it('should print the task counts per operation with --dry-run, running nothing', async () => {
    const counted = await mazepa('run', fixture, '--args', JSON.stringify([join(dir, 'never.log'), 250]), '--dry-run');
    expect(counted.code).toBe(0);
    expect(counted.stdout).toMatch(/recordRun\s+250\ntotal\s+250/);
  });

  it('should report a flow that throws in --dry-run as partial, naming it, and exit 0', async () => {
    const counted = await mazepa('run', mistakes, '--export', 'chunked', '--args', '["abc"]', '--dry-run');
    expect(counted.stderr).toBe('');
    expect(counted.stdout).toMatch(/mistakesReadHeader\s+1\ntotal\s+1\n/);
    expect(counted.stdout).toMatch(/partial: flow 'chunked' \(flow-chunked-\S+\) threw TypeError: .*'chunks'/);
    expect(counted.code).toBe(0);
  });

  it('should run with --estimate-totals although the dry run stops early, warning', async () => {
    const run = await mazepa('run', mistakes, '--export', 'chunked', '--args', '["abc"]', '--estimate-totals');
    expect(run.stderr).toMatch(/estimateTotals: flow 'chunked' threw in the dry run/);
    expect(run.stdout).toMatch(/4 succeeded, 0 failed/);
    expect(run.code).toBe(0);
  });

  it('should print the result with --print-result: JSON on stdout, the summary on stderr', async () => {
    const run = await mazepa('run', mistakes, '--export', 'chunked', '--args', '["abcd"]', '--print-result');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ path: 'abcd', chunks: 4 });
    expect(run.stderr).toMatch(/done in [\d.]+ s: 5 succeeded/);
    const map = await mazepa('run', mistakes, '--export', 'mapResult', '--print-result', '--no-progress');
    expect(map.stdout).toBe("Map(1) { 'm#1' => 1n }\n");
  });

  it('should exit 2 for an --export that is an operation or a class, saying what it is', async () => {
    const cases = [
      await mazepa('run', mistakes, '--export', 'readHeader'),
      await mazepa('run', mistakes, '--export', 'Resize'),
      await mazepa('run', mistakes, '--export', 'resizer'),
      await mazepa('run', mistakes, '--export', 'PlainClass'),
    ];
    const messages = [
      /export 'readHeader' .* is the taskable operation 'mistakesReadHeader' \(a function made with taskableOperation\), which makes tasks but is not a flow/,
      /export 'Resize' .* is the taskable operation class 'MistakesResize' \(made with taskableOperationCls\)/,
      /export 'resizer' .* is an instance of the operation class MistakesResize/,
      /export 'PlainClass' .* is the class PlainClass; it must be a Flow/,
    ];
    cases.forEach((result, i) => {
      expect(result.stderr).toMatch(messages[i]!);
      expect(result.code).toBe(2);
    });
  });
});
