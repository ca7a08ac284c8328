// Time options past what one Node timer holds (2^31 - 1 ms, about 24.8 days; finding 9 of issue
// 17), on the real command line: each is honoured, or refused naming the option and its largest
// value. `maxRuntimeMs` and `checkpointIntervalMs` through the API: test/hardening-round2.test.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnMazepa, type MazepaChild } from '../fixtures/run/spawn-mazepa.js';
import { startFaultProxy } from './fault-proxy.js';
import { makeQueue, runCounted, sqsClient, startWorker, useEmulator } from './helpers.js';

const emulator = useEmulator();
/** 2,200,000 s: 2.2e9 ms, past 2^31 - 1 ms. */
const LONG = '2200000';

describe('time options past 2^31 ms on the command line (finding 9)', () => {
  it('should keep a `mazepa worker --max-runtime 2200000 --idle-timeout 2200000` taking tasks until it is stopped, and honour `mazepa run --max-outage-ms 3000000000`', async () => {
    const QUEUE = 'long-times-tasks';
    const dir = await mkdtemp(join(tmpdir(), 'mazepa-long-times-'));
    const proxy = await startFaultProxy(emulator.endpoint);
    // Both through the proxy (a worker answers only to outcome queues at its own endpoint), both
    // given the task queue's URL: the only CreateQueue is the run's, of its outcome queue. It fails
    // once, and is retried within the run's outage budget of 3e9 ms.
    const client = sqsClient(proxy.endpoint);
    const url = await makeQueue(client, QUEUE);
    client.destroy();
    proxy.failNext('CreateQueue', 'error500', 1);
    const worker = startWorker(proxy.endpoint, QUEUE, [
      '--queue-url',
      url,
      '--max-runtime',
      LONG,
      '--idle-timeout',
      LONG,
      '--verbose',
    ]);
    let run: MazepaChild | undefined;
    try {
      // A timer of 2.2e9 ms would fire after 1 ms (TimeoutOverflowWarning): the worker would stop at once.
      let told = false;
      const stopped = worker.waitFor(/stopping \(/).then((line) => {
        if (!told) throw new Error(`the worker stopped before it was told to: ${line}`);
        return undefined as never;
      });
      stopped.catch(() => undefined); // raced below; once told to stop, it is expected
      const log = join(dir, 'runs.log');
      run = runCounted(
        proxy.endpoint,
        [log, 4, 4],
        [
          '--queue-url',
          url,
          '--max-outage-ms',
          '3000000000',
          '--checkpoint',
          join(dir, 'job.ckpt'),
          '--checkpoint-interval',
          '2147483', // the largest it takes
        ],
      );
      const done = await Promise.race([run.exited, stopped]);
      expect(done.stdout).toContain('total 6');
      expect(done.stdout).toMatch(/4 succeeded, 0 failed/);
      expect(done.code).toBe(0);
      expect(proxy.counts.byAction['CreateQueue']).toBe(1); // the failed call was retried
      expect(done.stderr).not.toMatch(/TimeoutOverflowWarning/);
      told = true;
      worker.child.kill('SIGTERM');
      expect(await worker.waitFor(/stopping \(/)).toMatch(/stopping \(signal\)/);
      expect(await worker.exited).toBe(0);
      expect([...worker.stdout, ...worker.stderr].join('\n')).not.toMatch(/TimeoutOverflowWarning/);
    } finally {
      worker.child.kill('SIGKILL');
      run?.child.kill('SIGKILL');
      await proxy.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('should refuse `mazepa run --checkpoint-interval 2200000`, naming the option and its largest value', async () => {
    const refused = await spawnMazepa([
      'run',
      'test/fixtures/run/sqs-count.ts',
      '--export',
      'counted',
      '--checkpoint-interval',
      LONG,
    ]).exited;
    expect(refused.stderr).toContain(
      "option '--checkpoint-interval <seconds>' argument '2200000' is invalid. must be a number of seconds > 0 " +
        'and at most 2147483 (about 24.8 days)',
    );
    expect(refused.code).toBe(2);
  });
});
