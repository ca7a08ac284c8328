import { describe, expect, it } from 'vitest';
import { execute } from 'mazepa';
import { SqsExecutionQueue } from 'mazepa/sqs';
import { spin } from '../fixtures/sqs/ops.js';
import { startWorker, useEmulator } from './helpers.js';

const emulator = useEmulator();

describe('SQS workers running a task that blocks the event loop', () => {
  it('should keep the message of an 8 s synchronous task hidden (3 s visibility, 2 workers): it runs once', async () => {
    const queue = new SqsExecutionQueue({ queueName: 'block-tasks', client: emulator.client, visibilityTimeoutSec: 3 });
    await queue.connect();
    const workers = [startWorker(emulator.endpoint, 'block-tasks'), startWorker(emulator.endpoint, 'block-tasks')];
    await Promise.all(workers.map((w) => w.waitFor(/started on queue block-tasks/)));
    // The busy loop runs in a worker process; both workers long-poll the queue all along.
    const summary = await execute(spin.makeTask('s1', 8_000), { queue, showProgress: false });
    await queue.close();
    expect(summary).toMatchObject({ succeeded: 1, failed: 0 });
    for (const w of workers) w.child.kill('SIGTERM');
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);
    const starts = workers.flatMap((w) => w.stdout.filter((line) => line.startsWith('spinning s1')));
    expect(starts).toHaveLength(1);
    // No worker reported a failed heartbeat or delete.
    expect(workers.flatMap((w) => w.stderr.filter((line) => /error/i.test(line)))).toEqual([]);
  });
});
