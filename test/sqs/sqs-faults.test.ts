import { describe, expect, it } from 'vitest';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { execute, flowSchema } from 'mazepa';
import { SqsExecutionQueue } from 'mazepa/sqs';
import { hold, shout } from '../fixtures/sqs/ops.js';
import { makeQueue, queueUrl, startWorker, useEmulator } from './helpers.js';

const emulator = useEmulator();

/** A task queue of its own for one test, with a 1 s visibility timeout. */
async function taskQueue(name: string): Promise<SqsExecutionQueue> {
  const queue = new SqsExecutionQueue({ queueName: name, client: emulator.client, visibilityTimeoutSec: 1 });
  await queue.connect();
  return queue;
}

/** A control queue that `hold(tag, control)` tasks wait on; `release` lets one of them finish. */
async function control(name: string): Promise<{ name: string; release(): Promise<void> }> {
  // Visibility 0: a release handed to the long poll of a killed worker is visible again at once.
  const url = await makeQueue(emulator.client, name, { VisibilityTimeout: '0' });
  return {
    name,
    release: async () =>
      void (await emulator.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'go' }))),
  };
}

describe('SQS workers under faults', () => {
  it('should redeliver the task of a worker killed mid-task, and count it succeeded once', async () => {
    const queue = await taskQueue('kill-tasks');
    const gate = await control('ctl-kill');
    const flow = flowSchema(function* killed() {
      yield hold.makeTask('k1', gate.name);
      yield ['a', 'b', 'c'].map((s) => shout.makeTask(`kill-${s}`));
    });
    const run = execute(flow(), { queue, showProgress: false });
    const first = startWorker(emulator.endpoint, 'kill-tasks');
    await first.waitFor(/^started k1/);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    // A new worker gets the task once its visibility timeout has passed on the server.
    const second = startWorker(emulator.endpoint, 'kill-tasks');
    await second.waitFor(/^started k1/);
    await gate.release();
    const summary = await run;
    await queue.close();
    expect(summary).toMatchObject({ succeeded: 4, failed: 0 });
    expect(summary.operations.hold).toMatchObject({ submitted: 1, succeeded: 1, retried: 0 });
    expect(second.stdout.filter((l) => l.startsWith('finished k1'))).toHaveLength(1);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('should not redeliver a task that runs past the visibility timeout while its heartbeat runs', async () => {
    const queue = await taskQueue('beat-tasks');
    const gate = await control('ctl-beat');
    const run = execute(hold.makeTask('h1', gate.name), { queue, showProgress: false });
    const worker = startWorker(emulator.endpoint, 'beat-tasks');
    await worker.waitFor(/^started h1/);
    // Three visibility timeouts long, the server is asked for the task: it must not give it out.
    const url = await queueUrl(emulator.client, 'beat-tasks');
    const { Messages = [] } = await emulator.client.send(
      new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 3 }),
    );
    expect(Messages).toEqual([]);
    await gate.release();
    expect(await run).toMatchObject({ succeeded: 1 });
    await queue.close();
    expect(worker.stdout.filter((l) => l.startsWith('started h1'))).toHaveLength(1);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  });

  it('should finish the running tasks on SIGTERM, take no new ones, lose nothing and exit 0', async () => {
    const queue = await taskQueue('term-tasks');
    const gates = [await control('ctl-term-1'), await control('ctl-term-2')];
    const flow = flowSchema(function* terminated() {
      yield* hold.makeTask('t1', gates[0]!.name).result();
      yield Array.from({ length: 10 }, (_, i) => shout.makeTask(`after-term-${i}`));
    });
    const side = flowSchema(function* side() {
      yield hold.makeTask('t2', gates[1]!.name);
    });
    const run = execute([flow(), side()], { queue, showProgress: false });
    const worker = startWorker(emulator.endpoint, 'term-tasks', ['--concurrency', '2']);
    await Promise.all([worker.waitFor(/^started t1/), worker.waitFor(/^started t2/)]);
    worker.child.kill('SIGTERM');
    await worker.waitFor(/stopping \(signal\), 2 task\(s\) running/);
    await Promise.all(gates.map((g) => g.release()));
    expect(await worker.exited).toBe(0);
    expect(worker.stdout.filter((l) => l.startsWith('finished'))).toHaveLength(2);
    expect(worker.stderr.at(-1)).toMatch(/stopped: 2 succeeded, 0 failed, 0 rejected/);
    // The tasks the flow made after t1 wait in the queue for the next worker: nothing is lost.
    const next = startWorker(emulator.endpoint, 'term-tasks', ['--concurrency', '4']);
    expect(await run).toMatchObject({ succeeded: 12, failed: 0 });
    await queue.close();
    expect(next.stdout.filter((l) => l.startsWith('shout after-term-'))).toHaveLength(10);
  });

  it('should exit at once on a second signal', async () => {
    const queue = await taskQueue('twice-tasks');
    const gate = await control('ctl-twice');
    const run = execute(hold.makeTask('w1', gate.name), { queue, showProgress: false });
    const worker = startWorker(emulator.endpoint, 'twice-tasks');
    await worker.waitFor(/^started w1/);
    worker.child.kill('SIGINT');
    await worker.waitFor(/SIGINT: finishing the running tasks/);
    worker.child.kill('SIGINT');
    expect(await worker.exited).toBe(130);
    expect(worker.stdout.filter((l) => l.startsWith('finished'))).toEqual([]);
    // Its task goes back to the queue: another worker completes it.
    const next = startWorker(emulator.endpoint, 'twice-tasks');
    await next.waitFor(/^started w1/);
    await gate.release();
    expect(await run).toMatchObject({ succeeded: 1 });
    await queue.close();
  });
});
