// A worker whose outcome cannot be sent (every send fails past its outage budget) must not delete
// the task's message: it shows again after its visibility timeout and the task runs again (or,
// past maxReceiveCount, goes to the dead-letter queue). Deleting it would lose the task for good.
// An in-process worker whose SQS calls go through the fault proxy; the orchestrator's do not.
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { taskableOperation, type Task } from 'mazepa';
import { SqsExecutionQueue, runWorker, type WorkerEvent } from 'mazepa/sqs';
import { startFaultProxy } from './fault-proxy.js';
import { sqsClient, useEmulator } from './helpers.js';

const emulator = useEmulator();

/** Tags of the runs of the task, in this process. */
const ran: string[] = [];
const kept = taskableOperation(
  function unsentOutcome(tag: string): string {
    ran.push(tag);
    return tag;
  },
  { operationName: 'unsentOutcome' },
);

/** The worker events that say what became of a task. */
const TOLD = new Set(['task_started', 'task_dropped', 'worker_error']);

describe('a worker whose outcome cannot be sent', () => {
  it('should keep the task message, so that the task runs again once sends go through', async () => {
    const name = 'unsent-outcome';
    const proxy = await startFaultProxy(emulator.endpoint);
    const client = sqsClient(proxy.endpoint);
    // Every outcome the worker sends fails (a 500 each time, and no retry budget): for good.
    proxy.setFaults(1, ['error500'], ['SendMessage', 'SendMessageBatch']);
    const options = { queueName: name, visibilityTimeoutSec: 1, waitTimeSeconds: 1 } as const;
    const orchestrator = new SqsExecutionQueue({ ...options, client: emulator.client });
    const report = firstValueFrom(orchestrator.outcomes('unsent'));
    const task: Task = kept.makeTask('once');
    task.executionId = 'unsent';
    await orchestrator.pushTasks([task]);

    const events: WorkerEvent[] = [];
    const waiting: { n: number; resolve: () => void }[] = [];
    const stop = new AbortController();
    const worker = runWorker({
      queue: new SqsExecutionQueue({ ...options, client, maxOutageMs: 0 }),
      signal: stop.signal,
      onEvent: (event) => {
        if (!TOLD.has(event.type)) return;
        events.push(event);
        if (event.type === 'worker_error') proxy.setFaults(0); // sends go through from now on
        for (const w of [...waiting]) if (events.length >= w.n) w.resolve();
      },
    });
    const told = (n: number): Promise<string[]> =>
      new Promise<void>((resolve) => (events.length >= n ? resolve() : waiting.push({ n, resolve }))).then(() =>
        events.slice(0, n).map((e) => e.type),
      );
    try {
      // The failed send is reported, and the next thing that happens to the task is that it runs
      // again (its message showed again): not that its message is deleted as if it had been sent.
      const deleted = proxy.answered('DeleteMessageBatch', 1).then(() => 'its message deleted');
      expect(await Promise.race([told(3), deleted])).toEqual(['task_started', 'worker_error', 'task_started']);
      const failed = events[1];
      expect(failed?.type === 'worker_error' && (failed.error as Error).message).toMatch(/SendMessageBatch/);
      expect((await report).outcome.returnValue).toBe('once');
      expect(ran).toEqual(['once', 'once']);
      expect(proxy.counts.byAction['SendMessageBatch']).toBe(1);
    } finally {
      stop.abort();
      await worker;
      await orchestrator.close();
      client.destroy();
      await proxy.stop();
    }
  });
});
