// An orchestrator and workers that start at the same moment, each finding the task queue missing
// and creating it with other settings: whoever loses the CreateQueue uses the queue that exists.
import { describe, expect, it } from 'vitest';
import { execute } from 'mazepa';
import { SqsExecutionQueue, runWorker, type SqsQueueEvent, type WorkerEvent } from 'mazepa/sqs';
import { add } from '../fixtures/sqs/ops.js';
import { queueNames, useEmulator } from './helpers.js';

const emulator = useEmulator();

/** A worker in this process that stops once it has started; resolves when it has stopped. */
async function startAndStop(queue: SqsExecutionQueue): Promise<WorkerEvent[]> {
  const events: WorkerEvent[] = [];
  const stop = new AbortController();
  await runWorker({
    queue,
    signal: stop.signal,
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'worker_started') stop.abort();
    },
  });
  return events;
}

describe('starting together', () => {
  it('should start an orchestrator and workers with other queue settings at the same moment, every time', async () => {
    const rounds = 20;
    const differ: SqsQueueEvent[] = [];
    const onEvent = (e: SqsQueueEvent): void => void (e.type === 'queue_settings_differ' && differ.push(e));
    for (let round = 0; round < rounds; round++) {
      const queueName = `together-${round}`;
      const client = emulator.client;
      const orchestrator = new SqsExecutionQueue({ queueName, client, visibilityTimeoutSec: 5, onEvent });
      const workers = Array.from(
        { length: 3 },
        () => new SqsExecutionQueue({ queueName, client, deadLetterQueue: { maxReceiveCount: 3 }, onEvent }),
      );
      const [connection, ...started] = await Promise.all([orchestrator.connect(), ...workers.map(startAndStop)]);
      expect(connection.url).toMatch(new RegExp(`/${queueName}$`));
      for (const events of started) expect(events.map((e) => e.type)).toContain('worker_stopped');
      expect(await queueNames(client, queueName)).toEqual([queueName, `${queueName}-dlq`]);
      if (round === rounds - 1) {
        // The queue works for all of them: a worker runs the orchestrator's task.
        const worker = runWorker({ queue: workers[0]!, idleTimeoutMs: 1000 });
        expect(await execute(add.makeTask(2, 3), { queue: orchestrator, showProgress: false })).toMatchObject({
          succeeded: 1,
        });
        await worker;
        await orchestrator.close();
      }
    }
    // The race was run: starts that lost the CreateQueue said how the queue differs, once each.
    expect(differ.length).toBeGreaterThan(0);
    expect(differ.length).toBeLessThanOrEqual(rounds * 3);
    for (const event of differ) {
      expect(event).toMatchObject({
        type: 'queue_settings_differ',
        queueName: expect.stringMatching(/^together-\d+$/),
      });
      const names = Object.keys((event as { differences: object }).differences);
      expect(names.length).toBeGreaterThan(0);
      expect(names.every((n) => n === 'VisibilityTimeout' || n === 'RedrivePolicy')).toBe(true);
    }
  });
});
