// Real `mazepa run` and `mazepa worker` processes through a proxy that fails 20% of the SQS calls,
// loses the answer of 5% of the sends, deletes and visibility changes after the server applied
// them, and drops all calls until 40 were dropped: the run completes with the right results, no
// task is lost (a task may run twice, counted once), and every worker stays up. The full size
// (2,000 tasks, 300 calls dropped) is `npm run chaos`.
import { describe, expect, it } from 'vitest';
import { SqsExecutionQueue, type SqsQueueEvent } from 'mazepa/sqs';
import { checkChaos } from './chaos-check.js';
import { startFaultProxy } from './fault-proxy.js';
import { REGION, workerEnv, useEmulator } from './helpers.js';

const emulator = useEmulator();

describe('SQS under injected faults', () => {
  it('should complete a layered run with 20% of the calls failing, 5% of answers lost and an outage, workers staying up', async () => {
    await checkChaos(emulator, {
      name: 'chaos-small',
      tasks: 200,
      layers: 4,
      workers: 2,
      concurrency: 8,
      faultRate: 0.2,
      lostRate: 0.05,
      outageAfterCalls: 60,
      outageCalls: 40,
    });
  }, 120_000);
});

describe('the client mazepa makes', () => {
  it('should let the SDK try each request once, so that retries are not multiplied', async () => {
    const proxy = await startFaultProxy(emulator.endpoint);
    const env = workerEnv(proxy.endpoint);
    process.env.AWS_ACCESS_KEY_ID = env.AWS_ACCESS_KEY_ID;
    process.env.AWS_SECRET_ACCESS_KEY = env.AWS_SECRET_ACCESS_KEY;
    try {
      proxy.setFaults(1, ['throttle']);
      const retries: SqsQueueEvent[] = [];
      const queue = new SqsExecutionQueue({
        queueName: 'tried-once',
        endpoint: proxy.endpoint,
        region: REGION,
        maxOutageMs: 300,
        onEvent: (e) => void (e.type === 'call_retried' && retries.push(e)),
      });
      const error = await queue.connect().catch((e: unknown) => e);
      await queue.close();
      expect(error).toMatchObject({ name: 'SqsQueueError', operation: 'GetQueueUrl' });
      expect(retries.length).toBeGreaterThan(0);
      // One request per try: the first, and one after each reported retry.
      expect(proxy.counts.calls).toBe(retries.length + 1);
    } finally {
      await proxy.stop();
    }
  });
});
