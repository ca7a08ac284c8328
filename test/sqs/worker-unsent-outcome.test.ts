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

const tooBig = taskableOperation(
  function unsentTooBig(): string {
    return 'never';
  },
  { operationName: 'unsentTooBig', resources: { gpu: 2 } },
);

/** The worker events that say what became of a message. */
const TOLD = new Set(['task_started', 'task_dropped', 'message_rejected', 'worker_error']);

/**
 * Pushes `task` (execution `executionId`) and starts a worker whose outcome sends all fail
 * until its first `worker_error`; `told(n)` resolves to the types of its first `n` events of
 * {@link TOLD}, or to 'its message deleted' if the task message is deleted first.
 */
async function unsentOnce(name: string, executionId: string, task: Task, resourceLimits?: { gpu: number }) {
  const proxy = await startFaultProxy(emulator.endpoint);
  const client = sqsClient(proxy.endpoint);
  // Every outcome the worker sends fails (a 500 each time, and no retry budget): for good.
  proxy.setFaults(1, ['error500'], ['SendMessage', 'SendMessageBatch']);
  const options = { queueName: name, visibilityTimeoutSec: 1, waitTimeSeconds: 1 } as const;
  const orchestrator = new SqsExecutionQueue({ ...options, client: emulator.client });
  const report = firstValueFrom(orchestrator.outcomes(executionId));
  task.executionId = executionId;
  await orchestrator.pushTasks([task]);

  const events: WorkerEvent[] = [];
  const waiting: { n: number; resolve: () => void }[] = [];
  const stop = new AbortController();
  const worker = runWorker({
    queue: new SqsExecutionQueue({ ...options, client, maxOutageMs: 0 }),
    signal: stop.signal,
    ...(resourceLimits && { resourceLimits }),
    onEvent: (event) => {
      if (!TOLD.has(event.type)) return;
      events.push(event);
      if (event.type === 'worker_error') proxy.setFaults(0); // sends go through from now on
      for (const w of [...waiting]) if (events.length >= w.n) w.resolve();
    },
  });
  const deleted = proxy.answered('DeleteMessageBatch', 1).then(() => 'its message deleted');
  const told = (n: number): Promise<string[] | string> =>
    Promise.race([
      new Promise<void>((resolve) => (events.length >= n ? resolve() : waiting.push({ n, resolve }))).then(() =>
        events.slice(0, n).map((e) => e.type),
      ),
      deleted,
    ]);
  const close = async (): Promise<void> => {
    stop.abort();
    await worker;
    await orchestrator.close();
    client.destroy();
    await proxy.stop();
  };
  return { proxy, events, report, told, close };
}

describe('a worker whose outcome cannot be sent', () => {
  it('should keep the task message, so that the task runs again once sends go through', async () => {
    const { proxy, events, report, told, close } = await unsentOnce('unsent-outcome', 'unsent', kept.makeTask('once'));
    try {
      // The failed send is reported, and the next thing that happens to the task is that it runs
      // again (its message showed again): not that its message is deleted as if it had been sent.
      expect(await told(3)).toEqual(['task_started', 'worker_error', 'task_started']);
      const failed = events[1];
      expect(failed?.type === 'worker_error' && (failed.error as Error).message).toMatch(/SendMessageBatch/);
      expect((await report).outcome.returnValue).toBe('once');
      expect(ran).toEqual(['once', 'once']);
      expect(proxy.counts.byAction['SendMessageBatch']).toBe(1);
    } finally {
      await close();
    }
  });

  it('should keep a rejected message whose failure could not be reported, and report it when it comes back', async () => {
    // It needs two GPUs, the worker has one: the message is rejected, its failure sent back.
    const { events, report, told, close } = await unsentOnce('unsent-rejection', 'unsent-r', tooBig.makeTask(), {
      gpu: 1,
    });
    try {
      expect(await told(3)).toEqual(['worker_error', 'message_rejected', 'message_rejected']);
      expect(events.flatMap((e) => (e.type === 'message_rejected' ? [e.reported] : []))).toEqual([false, true]);
      expect((await report).outcome.error?.message).toMatch(/cannot run task .* needs 2 gpu/);
    } finally {
      await close();
    }
  });
});
