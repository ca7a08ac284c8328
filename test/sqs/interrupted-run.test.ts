import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { spawnScript } from '../fixtures/run/spawn-mazepa.js';
import { makeQueue, queueNames, startWorker, useEmulator, workerEnv } from './helpers.js';

const QUEUE = 'interrupted-run';
const CONTROL = 'interrupted-run-control';
const emulator = useEmulator();

describe('execute on SIGINT, SQS queue, no checkpoint', () => {
  it('should reject with MazepaCancelledError only after deleting its outcome queue; workers drop its tasks', async () => {
    const controlUrl = await makeQueue(emulator.client, CONTROL);
    const worker = startWorker(emulator.endpoint, QUEUE, ['--concurrency', '1', '--verbose']);
    await worker.waitFor(/started on queue/);
    const run = spawnScript(
      'test/fixtures/run/interrupted-run.ts',
      ['sqs', QUEUE, CONTROL],
      workerEnv(emulator.endpoint),
    );
    await worker.waitFor(/^started first /);
    expect(await queueNames(emulator.client, `${QUEUE}-out`)).toHaveLength(1);
    run.child.kill('SIGINT');
    const { code, signal, stdout } = await run.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(stdout).toBe('caught MazepaCancelledError\nfinally\n');
    // The program exited at once after execute rejected: nothing of the run was left behind.
    expect(await queueNames(emulator.client, `${QUEUE}-out`)).toEqual([]);
    // Released, the worker goes on with the queued tasks: it heard of the outcome queue seconds
    // ago, so it asks again (or learns from the refused reply) before it starts one; at most one
    // per slot (here one) runs, the rest are dropped, not run.
    await emulator.client.send(new SendMessageCommand({ QueueUrl: controlUrl, MessageBody: 'go' }));
    const settled = /mazepa worker: task shout-\S+ (succeeded|dropped)/;
    await waitForCount(worker.stderr, settled, 5, worker.nextLine);
    const succeeded = worker.stderr.filter((l) => /mazepa worker: task shout-\S+ succeeded/.test(l)).length;
    expect(succeeded).toBeLessThanOrEqual(1);
    expect(worker.stderr.filter((l) => /dropped, not run: its execution \S+ has ended/.test(l)).length).toBe(
      5 - succeeded,
    );
    // Only the tasks that ran printed (stdout is its own pipe: its lines may come after stderr's).
    const shout = /^shout /;
    await waitForCount(worker.stdout, shout, succeeded, worker.nextLine);
    expect(worker.stdout.filter((l) => shout.test(l)).length).toBe(succeeded);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  });
});

/** Waits, line by line, until `lines` holds `count` lines matching `pattern`. */
async function waitForCount(
  lines: string[],
  pattern: RegExp,
  count: number,
  next: () => Promise<string>,
): Promise<void> {
  while (lines.filter((l) => pattern.test(l)).length < count) await next();
}
