// Running a fleet with `mazepa worker`: what an operator sees (the operations it registered,
// stamped lines, each task's lines in the order things happened), and `--processes N`.
import { describe, expect, it } from 'vitest';
import { execute } from 'mazepa';
import { SqsExecutionQueue } from 'mazepa/sqs';
import { add } from '../fixtures/sqs/ops.js';
import { startWorker, useEmulator } from './helpers.js';

const emulator = useEmulator();

describe('mazepa worker logs', () => {
  it('should list its operations, stamp its lines, and say each task finished before the next started', async () => {
    const queueName = 'worker-logs';
    const worker = startWorker(emulator.endpoint, queueName, ['--concurrency', '1', '--verbose']);
    await worker.waitFor(/started on queue/);
    const queue = new SqsExecutionQueue({ queueName, client: emulator.client, maxTasksPerMessage: 10 });
    const tasks = Array.from({ length: 12 }, (_, i) => add.makeTask(i, 1));
    try {
      // One pack of ten and one of two: the tasks of a pack are at hand, so the next one starts
      // as soon as a slot frees, while the previous outcome is still being sent.
      await execute(tasks, { queue, showProgress: false });
    } finally {
      await queue.close();
    }
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    const lines = worker.stderr;
    const stamp = new RegExp(
      `^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z \\S+\\[${worker.child.pid}\\] mazepa worker: `,
    );
    expect(lines.every((line) => stamp.test(line))).toBe(true);
    expect(lines.find((line) => /operation\(s\) registered: /.test(line))).toMatch(/registered: .*\badd\b.*\bhold\b/);
    const taskLines = lines
      .map((line) => /task (\S+) (started|succeeded)/.exec(line))
      .filter((m) => m !== null)
      .map((m) => `${m[2]} ${m[1]}`);
    expect(taskLines).toHaveLength(24);
    // started a, succeeded a, started b, succeeded b, ...
    for (let i = 0; i < taskLines.length; i += 2) {
      const id = taskLines[i]!.split(' ')[1];
      expect([taskLines[i], taskLines[i + 1]]).toEqual([`started ${id}`, `succeeded ${id}`]);
    }
  });
});

describe('mazepa worker --processes', () => {
  it('should run N workers, restart one killed with SIGKILL, and stop them all on SIGTERM with exit 0', async () => {
    const queueName = 'worker-fleet';
    const fleet = startWorker(emulator.endpoint, queueName, ['--processes', '2']);
    const pidOf = (line: string): number => Number(/\S+\[(\d+)\] mazepa worker: started on queue/.exec(line)![1]);
    const [first, second] = await Promise.all([
      fleet.waitFor(/^\[w1\] .* mazepa worker: started on queue worker-fleet/),
      fleet.waitFor(/^\[w2\] .* mazepa worker: started on queue worker-fleet/),
    ]);
    expect(fleet.stderr.find((line) => /supervising/.test(line))).toMatch(
      /\[\d+\] mazepa worker: supervising 2 worker process\(es\)$/,
    );
    const killed = pidOf(first);
    expect(killed).not.toBe(pidOf(second));
    expect(killed).not.toBe(fleet.child.pid);
    process.kill(killed, 'SIGKILL');
    await fleet.waitFor(new RegExp(`w1 \\(pid ${killed}\\) was killed by SIGKILL; restarting it now`));
    const w1Starts = (): number[] => fleet.stderr.filter((line) => /^\[w1\] .* started on queue/.test(line)).map(pidOf);
    while (w1Starts().length < 2) await fleet.nextLine();
    const again = w1Starts();
    expect(again).toHaveLength(2);
    expect(again[1]).not.toBe(killed);
    // The fleet runs tasks.
    const queue = new SqsExecutionQueue({ queueName, client: emulator.client });
    try {
      await execute(add.makeTask(2, 3), { queue, showProgress: false });
    } finally {
      await queue.close();
    }
    fleet.child.kill('SIGTERM');
    expect(await fleet.exited).toBe(0);
    for (const name of ['w1', 'w2']) {
      expect(fleet.stderr.some((line) => line.startsWith(`[${name}] `) && / mazepa worker: stopped: /.test(line))).toBe(
        true,
      );
    }
  });
});
