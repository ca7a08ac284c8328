import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { execute, MazepaExecutionFailure, Task } from 'mazepa';
import { SqsExecutionQueue } from 'mazepa/sqs';
import { shout } from '../fixtures/sqs/ops.js';
import { queueUrl, startWorker, useEmulator } from './helpers.js';

const QUEUE = 'worker-builds';
const emulator = useEmulator();

describe('buildId', () => {
  it('should fail a run early, naming both builds, when only workers of another build take its tasks', async () => {
    const setup = new SqsExecutionQueue({
      queueName: QUEUE,
      client: emulator.client,
      deadLetterQueue: { maxReceiveCount: 3 },
    });
    await setup.connect();
    const worker = startWorker(emulator.endpoint, QUEUE, ['--build-id', 'old-build', '--concurrency', '4']);
    await worker.waitFor(/started on queue/);
    const queue = new SqsExecutionQueue({
      queueName: QUEUE,
      client: emulator.client,
      buildId: 'new-build',
      buildWaitMs: 2000,
    });
    const tasks = ['a', 'b', 'c'].map((t) => shout.makeTask(`new ${t}`));
    const error = await execute(tasks, { queue, showProgress: false }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    await queue.close();
    expect(error?.message).toMatch(/its tasks are of build new-build, and no worker of that build took one/);
    expect(error?.message).toMatch(
      /workers of build old-build \(\S+ pid \d+\) gave them back \(refused: build new-build != theirs\)/,
    );
    expect(worker.stdout).toEqual([]); // it ran none of them
    // Said once, however often the tasks came back to it.
    expect(worker.stderr.filter((l) => l.includes('refused: build new-build != old-build'))).toHaveLength(1);
    // Given back, not lost: none went to the dead-letter queue meanwhile.
    const { Attributes } = await emulator.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: await queueUrl(emulator.client, `${QUEUE}-dlq`),
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    expect(Attributes?.ApproximateNumberOfMessages).toBe('0');

    // A task made with another operation version is refused by name, on a worker of the same build.
    const sameBuild = new SqsExecutionQueue({ queueName: QUEUE, client: emulator.client, buildId: 'old-build' });
    const versioned = new Task({ fn: shout, args: ['v7'], operationName: 'shout', version: 7 });
    const failure = await execute(versioned, { queue: sameBuild, showProgress: false }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    await sameBuild.close();
    expect(failure).toBeInstanceOf(MazepaExecutionFailure);
    expect(failure?.message).toMatch(
      /Operation 'shout' has version \(none\) in this worker, but task \S+ was made with version 7/,
    );
    expect(failure?.message).toMatch(/\(on \S+ pid \d+\)/); // the worker that refused it
    worker.child.kill('SIGKILL');
  });
});
