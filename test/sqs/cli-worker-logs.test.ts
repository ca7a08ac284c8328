// What an operator sees of a `mazepa worker`: the operations it registered, stamped lines (ISO
// time, host, pid), and at --concurrency 1 each task's lines in the order things happened.
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
