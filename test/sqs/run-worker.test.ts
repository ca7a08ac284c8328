import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { execute, Task, taskableOperation } from 'mazepa';
import { SqsExecutionQueue, TaskRouter, runWorker, type WorkerEvent } from 'mazepa/sqs';
import { add } from '../fixtures/sqs/ops.js';
import { queueNames, queueUrl, useEmulator } from './helpers.js';

const emulator = useEmulator();

function queue(queueName: string, signingKey?: string): SqsExecutionQueue {
  return new SqsExecutionQueue({
    queueName,
    client: emulator.client,
    visibilityTimeoutSec: 1,
    waitTimeSeconds: 1,
    ...(signingKey === undefined ? {} : { signingKey }),
  });
}

/** A GPU-bound operation that records how many of its tasks run at once in this process. */
const gpuUse = { active: 0, max: 0 };
const gpuStep = taskableOperation(
  async function gpuStep(i: number) {
    gpuUse.active++;
    gpuUse.max = Math.max(gpuUse.max, gpuUse.active);
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
    gpuUse.active--;
    return i;
  },
  { operationName: 'rwGpuStep', resources: { gpu: 1 } },
);
const bigGpuStep = taskableOperation(async function bigGpuStep() {}, {
  operationName: 'rwBigGpuStep',
  resources: { gpu: 2 },
});

/** A GPU-bound operation that runs until the test lets it finish. */
const gated = { onStart: (_i: number): void => undefined, finish: (): void => undefined };
const gpuGated = taskableOperation(
  async function gpuGated(i: number) {
    const finished = new Promise<void>((resolve) => (gated.finish = resolve));
    gated.onStart(i);
    await finished;
    return i;
  },
  { operationName: 'rwGpuGated', resources: { gpu: 1 } },
);

describe('runWorker (in this process)', () => {
  it('should give back a task waiting for a resource when it stops, and finish the running one', async () => {
    const name = 'rw-gpu-stop';
    const orchestrator = queue(name);
    const executionId = 'rw-gpu-stop-1';
    const tasks = [gpuGated.makeTask(1), gpuGated.makeTask(2)];
    for (const task of tasks) task.executionId = executionId;
    const reports = firstValueFrom(orchestrator.outcomes(executionId).pipe(take(2), toArray()));
    await orchestrator.pushTasks(tasks);
    // Both messages wait in the queue: the worker receives them together; one runs, one waits.
    const started = new Promise<number>((resolve) => (gated.onStart = resolve));
    const stop = new AbortController();
    const worker = runWorker({ queue: queue(name), concurrency: 2, resourceLimits: { gpu: 1 }, signal: stop.signal });
    const first = await started;
    const url = await queueUrl(emulator.client, name);
    const attributes = await emulator.client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] }),
    );
    expect(attributes.Attributes?.['ApproximateNumberOfMessagesNotVisible']).toBe('2');
    stop.abort();
    // The waiting one is visible again while the running one still runs (the heartbeat would
    // otherwise keep it hidden until then); VisibilityTimeout 0 leaves it for the next worker.
    const { Messages } = await emulator.client.send(
      new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 5, VisibilityTimeout: 0 }),
    );
    expect(Messages).toHaveLength(1);
    expect(Messages![0]!.Body).toContain(tasks[first === 1 ? 1 : 0]!.id);
    gated.finish();
    expect(await worker).toMatchObject({ succeeded: 1, failed: 0, stoppedBy: 'signal' });
    gated.onStart = () => gated.finish();
    const next = new AbortController();
    const second = runWorker({ queue: queue(name), signal: next.signal });
    expect((await reports).map((r) => r.outcome.returnValue).sort()).toEqual([1, 2]);
    next.abort();
    expect(await second).toMatchObject({ succeeded: 1 });
    await orchestrator.close();
  });

  it('should run at most resourceLimits units of a resource at once, and other tasks beside them', async () => {
    for (const limits of [undefined, { gpu: 1 }]) {
      gpuUse.max = 0;
      const stop = new AbortController();
      const name = limits === undefined ? 'rw-gpu-free' : 'rw-gpu-limited';
      const worker = runWorker({
        queue: queue(name),
        concurrency: 4,
        signal: stop.signal,
        ...(limits === undefined ? {} : { resourceLimits: limits }),
      });
      const orchestrator = queue(name);
      const tasks = [...Array.from({ length: 6 }, (_, i) => gpuStep.makeTask(i)), add.makeTask(1, 2)];
      expect(await execute(tasks, { queue: orchestrator, showProgress: false })).toMatchObject({ succeeded: 7 });
      await orchestrator.close();
      stop.abort();
      await worker;
      // Without a limit, tasks received together overlap; with { gpu: 1 }, never two at once.
      if (limits === undefined) expect(gpuUse.max).toBeGreaterThan(1);
      else expect(gpuUse.max).toBe(1);
    }
  });

  it('should fail a task that needs more of a resource than its limit, saying so', async () => {
    const stop = new AbortController();
    const worker = runWorker({ queue: queue('rw-gpu-big'), signal: stop.signal, resourceLimits: { gpu: 1 } });
    const orchestrator = queue('rw-gpu-big');
    const failure = await execute(bigGpuStep.makeTask(), { queue: orchestrator, showProgress: false }).catch(
      (e: unknown) => e as Error,
    );
    await orchestrator.close();
    stop.abort();
    await worker;
    expect(String(failure)).toMatch(
      /this worker cannot run task .*'rwBigGpuStep'.*it needs 2 gpu, over the limit of 1/,
    );
  });

  it('should refuse bad resource limits, naming the option', async () => {
    await expect(runWorker({ queue: queue('rw-bad'), resourceLimits: { gpu: 0 } })).rejects.toThrow(
      /runWorker: option 'resourceLimits.gpu' must be a whole number >= 1/,
    );
  });

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

  it('should run signed tasks, and leave tasks not signed with its key to the dead-letter queue', async () => {
    const stop = new AbortController();
    const events: WorkerEvent[] = [];
    let onRejected: (event: WorkerEvent) => void = () => undefined;
    const onEvent = (e: WorkerEvent): void => {
      events.push(e);
      if (e.type === 'message_rejected') onRejected(e);
    };
    const worker = runWorker({ queue: queue('rw-signed', 'k1'), signal: stop.signal, onEvent });
    const signed = queue('rw-signed', 'k1');
    expect(await execute(add.makeTask(40, 2), { queue: signed, showProgress: false })).toMatchObject({ succeeded: 1 });
    await signed.close();
    // Unsigned, or signed with another key: the worker refuses the task, and sends nothing to
    // the reply address it holds, which it cannot trust. Nobody answers: cancel the execution.
    for (const [key, reason] of [
      [undefined, /task message is not signed, and a signing key is configured/],
      ['k2', /task message has a signature that does not match/],
    ] as const) {
      const task = add.makeTask(1, 2);
      // This task's rejection: an earlier message may be redelivered and rejected again meanwhile.
      const rejected = new Promise<WorkerEvent>(
        (resolve) => (onRejected = (e) => void (e.type === 'message_rejected' && e.taskId === task.id && resolve(e))),
      );
      const other = queue('rw-signed', key);
      const cancel = new AbortController();
      const run = execute(task, { queue: other, showProgress: false, signal: cancel.signal });
      expect(await rejected).toMatchObject({
        type: 'message_rejected',
        reported: false,
        reason: expect.stringMatching(reason),
      });
      cancel.abort();
      await expect(run).rejects.toThrow();
      await other.close();
    }
    stop.abort();
    const summary = await worker;
    expect(summary.succeeded).toBe(1);
    expect(summary.rejected).toBeGreaterThanOrEqual(2); // redelivered until they go to the dead-letter queue
    expect(events.filter((e) => e.type === 'message_rejected' && e.reported)).toEqual([]);
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
