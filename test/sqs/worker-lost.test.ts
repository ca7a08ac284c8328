import { describe, expect, it } from 'vitest';
import { execute, flowSchema, MazepaExecutionFailure, WorkerLostError } from 'mazepa';
import { SqsExecutionQueue } from 'mazepa/sqs';
import { killWorker, shout } from '../fixtures/sqs/ops.js';
import { queueUrl, startWorker, useEmulator, type WorkerProcess } from './helpers.js';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { hostname } from 'node:os';

const QUEUE = 'worker-lost';
const emulator = useEmulator();

/** Keeps two workers running (one taking tasks, one ready): a worker that dies is replaced. */
function supervise(): { readonly workers: WorkerProcess[]; stop(): Promise<void> } {
  const workers: WorkerProcess[] = [];
  let stopping = false;
  const start = (): void => {
    const worker = startWorker(emulator.endpoint, QUEUE, ['--concurrency', '1']);
    workers.push(worker);
    void worker.exited.then(() => {
      if (!stopping) start();
    });
  };
  start();
  start();
  return {
    workers,
    async stop() {
      stopping = true;
      const running = workers.filter((w) => w.child.exitCode === null);
      for (const w of running) w.child.kill('SIGKILL');
      await Promise.all(running.map((w) => w.exited));
    },
  };
}

describe('a task that kills its worker each time', () => {
  it('should fail the run with WorkerLostError after maxReceiveCount receives, not hang', async () => {
    const queue = new SqsExecutionQueue({
      queueName: QUEUE,
      client: emulator.client,
      visibilityTimeoutSec: 1,
      deadLetterQueue: { maxReceiveCount: 3 },
    });
    await queue.connect();
    const fleet = supervise();
    const poisoned = flowSchema(function* poisoned() {
      yield* shout.makeTask('fine').result();
      yield killWorker.makeTask('poison');
    });
    const task = killWorker.makeTask('poison');
    const failure = await execute(poisoned(), { queue, showProgress: false }).then(
      () => undefined,
      (error: unknown) => error,
    );
    await queue.close();
    await fleet.stop();
    expect(failure).toBeInstanceOf(MazepaExecutionFailure);
    const cause = (failure as MazepaExecutionFailure).cause;
    expect(cause).toBeInstanceOf(WorkerLostError);
    expect(cause).toMatchObject({ taskId: task.id, operationName: 'killWorker', receiveCount: 3 });
    expect((failure as Error).message).toMatch(/killWorker.*WorkerLostError: .*received 3 times without an outcome/);
    // Two workers died on it; the third reported it lost instead of running it.
    const killed = fleet.workers.flatMap((w) => w.stdout.filter((l) => l.startsWith('killing poison')));
    expect(killed).toHaveLength(2);
    const reporters = fleet.workers.filter((w) =>
      w.stderr.some((l) => /task killWorker-\S+ \('killWorker', attempt 1\) lost: received 3 times/.test(l)),
    );
    expect(reporters).toHaveLength(1);
    // The error names the worker that reported it lost, on its last allowed receive.
    const reporter = `${hostname()} pid ${reporters[0]!.child.pid}`;
    expect((cause as WorkerLostError).workers).toEqual([reporter]);
    expect((cause as Error).message).toContain(`${reporter} took it on its last allowed receive`);
    // Nothing went to the dead-letter queue.
    const dlq = await queueUrl(emulator.client, `${QUEUE}-dlq`);
    const { Attributes } = await emulator.client.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    expect(Attributes?.ApproximateNumberOfMessages).toBe('0');
  });
});
