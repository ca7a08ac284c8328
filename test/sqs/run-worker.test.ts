import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execute, MazepaExecutionFailure, Task } from 'mazepa';
import { SqsExecutionQueue, TaskRouter, runWorker, type WorkerEvent } from 'mazepa/sqs';
import { add } from '../fixtures/sqs/ops.js';
import { queueNames, startEmulator, type Emulator } from './helpers.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator?.stop();
});

function queue(queueName: string, signingKey?: string): SqsExecutionQueue {
  return new SqsExecutionQueue({
    queueName,
    client: emulator.client,
    visibilityTimeoutSec: 1,
    waitTimeSeconds: 1,
    ...(signingKey === undefined ? {} : { signingKey }),
  });
}

describe('runWorker (in this process)', () => {
  it('should run tasks, report events, and stop on its signal after the running ones', async () => {
    const events: WorkerEvent[] = [];
    const stop = new AbortController();
    const worker = runWorker({
      queue: queue('rw-tasks'),
      concurrency: 3,
      signal: stop.signal,
      onEvent: (e) => events.push(e),
    });
    const orchestrator = queue('rw-tasks');
    const summary = await execute(
      Array.from({ length: 20 }, (_, i) => add.makeTask(i, i)),
      { queue: orchestrator, showProgress: false },
    );
    await orchestrator.close();
    expect(summary.succeeded).toBe(20);
    stop.abort();
    expect(await worker).toMatchObject({ succeeded: 20, failed: 0, rejected: 0, stoppedBy: 'signal' });
    expect(events[0]).toMatchObject({ type: 'worker_started', queueName: 'rw-tasks', concurrency: 3 });
    expect(events.filter((e) => e.type === 'task_finished')).toHaveLength(20);
    expect(events.at(-1)?.type).toBe('worker_stopped');
  });

  it('should stop after its idle timeout, and after its maximum runtime', async () => {
    expect(await runWorker({ queue: queue('rw-idle'), idleTimeoutMs: 300 })).toMatchObject({
      stoppedBy: 'idleTimeout',
      succeeded: 0,
    });
    expect(await runWorker({ queue: queue('rw-idle'), maxRuntimeMs: 200 })).toMatchObject({ stoppedBy: 'maxRuntime' });
  });

  it('should run signed tasks, and fail back tasks that are not signed with its key', async () => {
    const stop = new AbortController();
    const events: WorkerEvent[] = [];
    const worker = runWorker({ queue: queue('rw-signed', 'k1'), signal: stop.signal, onEvent: (e) => events.push(e) });
    const signed = queue('rw-signed', 'k1');
    expect(await execute(add.makeTask(40, 2), { queue: signed, showProgress: false })).toMatchObject({ succeeded: 1 });
    await signed.close();
    // Unsigned: the worker refuses the task and fails it back.
    const unsigned = queue('rw-signed');
    const failure = await execute(add.makeTask(1, 2), { queue: unsigned, showProgress: false }).catch(
      (e: unknown) => e,
    );
    await unsigned.close();
    expect(failure).toBeInstanceOf(MazepaExecutionFailure);
    expect(((failure as Error).cause as Error).message).toMatch(
      /task message is not signed, and a signing key is configured/,
    );
    // Another key: the worker refuses the task, and the orchestrator the worker's reply.
    const wrongKey = queue('rw-signed', 'k2');
    const refused = await execute(add.makeTask(1, 3), { queue: wrongKey, showProgress: false }).catch(
      (e: unknown) => e,
    );
    await wrongKey.close();
    expect(String((refused as Error).cause)).toMatch(
      /received a message that is not a valid outcome: .*signature that does not match/,
    );
    stop.abort();
    expect(await worker).toMatchObject({ succeeded: 1, rejected: 2 });
    expect(events.find((e) => e.type === 'message_rejected')).toMatchObject({ reported: true });
    expect(await queueNames(emulator.client, 'rw-signed-out-')).toEqual([]);
  });

  it('should route tasks by worker type to separate queues and their workers', async () => {
    const stop = new AbortController();
    const ran = { gpu: [] as string[], cpu: [] as string[] };
    const workers = (['gpu', 'cpu'] as const).map((pool) =>
      runWorker({
        queue: queue(`rw-${pool}`),
        signal: stop.signal,
        onEvent: (e) => void (e.type === 'task_finished' && ran[pool].push(e.taskId)),
      }),
    );
    const router = new TaskRouter({ routes: { gpu: queue('rw-gpu') }, fallback: queue('rw-cpu') });
    const gpuTask = new Task({ fn: add, operationName: 'add', args: [1, 1], workerType: 'gpu' });
    const cpuTask = add.makeTask(2, 2);
    expect(await execute([gpuTask, cpuTask], { queue: router, showProgress: false })).toMatchObject({ succeeded: 2 });
    await router.close();
    stop.abort();
    await Promise.all(workers);
    expect(ran).toEqual({ gpu: [gpuTask.id], cpu: [cpuTask.id] });
    expect(await queueNames(emulator.client, 'rw-gpu-out-')).toEqual([]);
    expect(await queueNames(emulator.client, 'rw-cpu-out-')).toEqual([]);
  });
});
