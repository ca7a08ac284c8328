import { describe, expect, it } from 'vitest';
import { execute } from 'mazepa';
import { SqsExecutionQueue } from 'mazepa/sqs';
import { shout } from '../fixtures/sqs/ops.js';
import { startFaultProxy } from './fault-proxy.js';
import { startWorker, useEmulator } from './helpers.js';

const QUEUE = 'worker-restart';
const emulator = useEmulator();

describe('a worker told to stop', () => {
  it('should let its last long poll end and give back what it brings, hiding nothing from the next worker', async () => {
    // 120 s: a task hidden by the stopped worker would stall the run past the test's timeout.
    const queue = new SqsExecutionQueue({ queueName: QUEUE, client: emulator.client, visibilityTimeoutSec: 120 });
    await queue.connect();
    // Through the proxy, a poll whose connection the worker cuts goes on upstream and still takes
    // messages, as SQS does.
    const proxy = startFaultProxy(emulator.endpoint);
    const first = startWorker((await proxy).endpoint, QUEUE, ['--verbose', '--wait-time', '20']);
    await first.waitFor(/started on queue/);
    await (await proxy).forwardedOf('ReceiveMessage', 1); // its long poll is open (for 20 s)
    first.child.kill('SIGTERM');
    await first.waitFor(/stopping \(signal\)/);
    // The task is pushed while the stopping worker's poll is the only one open: the poll takes it.
    const run = execute(shout.makeTask('after restart'), { queue, showProgress: false });
    expect(await first.exited).toBe(0);
    expect(first.stderr.some((l) => /gave back 1 message\(s\) its last long poll brought while stopping/.test(l))).toBe(
      true,
    );
    expect(first.stdout).toEqual([]); // it ran nothing
    const second = startWorker(emulator.endpoint, QUEUE, ['--verbose']);
    const summary = await run;
    await queue.close();
    expect(summary.result).toBe('after restart');
    expect(second.stdout).toContain('shout after restart');
    second.child.kill('SIGTERM');
    await second.exited;
    await (await proxy).stop();
  }, 100_000);
});
