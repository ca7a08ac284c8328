// No message can make a worker run a task of an ended execution, end another run's tasks, or
// fail while it reports; no outcome queue URL it checks differs from the one it sends to.
// In-process workers against the SQS emulator.
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { taskableOperation, type Task } from 'mazepa';
import { SqsExecutionQueue, encodeTaskEnvelope, runWorker, type WorkerEvent } from 'mazepa/sqs';
import { queueUrl, useEmulator } from './helpers.js';

const emulator = useEmulator();

/** Tags of the tasks that ran in this process. */
const ran: string[] = [];
const count = taskableOperation(
  function hardenedCount(tag: string): string {
    ran.push(tag);
    return tag;
  },
  { operationName: 'hardenedCount' },
);
const rethrow = taskableOperation(
  function hardenedRethrow(error: unknown): never {
    throw error;
  },
  { operationName: 'hardenedRethrow' },
);

function queue(queueName: string): SqsExecutionQueue {
  return new SqsExecutionQueue({ queueName, client: emulator.client, visibilityTimeoutSec: 5, waitTimeSeconds: 1 });
}

/** The events a message ends in: run, dropped or rejected. */
const HANDLED = new Set(['task_finished', 'task_dropped', 'message_rejected', 'worker_error']);

/** A worker in this process, and the events that end messages, one promise each, in order. */
function worker(queueName: string): { handled: (n: number) => Promise<WorkerEvent[]>; stop: () => Promise<void> } {
  const seen: WorkerEvent[] = [];
  const waiting: { n: number; resolve: (events: WorkerEvent[]) => void }[] = [];
  const stop = new AbortController();
  const running = runWorker({
    queue: queue(queueName),
    signal: stop.signal,
    onEvent: (event) => {
      if (!HANDLED.has(event.type)) return;
      seen.push(event);
      for (const w of [...waiting]) if (seen.length >= w.n) w.resolve(seen.slice(0, w.n));
    },
  });
  return {
    handled: (n) =>
      seen.length >= n ? Promise.resolve(seen.slice(0, n)) : new Promise((resolve) => waiting.push({ n, resolve })),
    stop: async () => {
      stop.abort();
      await running;
    },
  };
}

function submitted<T extends Task>(task: T, executionId: string): T {
  task.executionId = executionId;
  return task;
}

/** Messages in the queue, visible or not. */
async function messagesIn(client: SQSClient, url: string): Promise<number> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
}

/** Takes the one task message waiting in `url` and sends it again changed by `change`. */
async function tamper(
  client: SQSClient,
  url: string,
  change: (fields: Record<string, unknown>) => void,
): Promise<void> {
  const { Messages } = await client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 5 }));
  const message = Messages![0]!;
  const fields = JSON.parse(message.Body!) as Record<string, unknown>;
  change(fields);
  await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify(fields) }));
  await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }));
}

describe('a worker and ended executions', () => {
  it('should not run a task of a cancelled execution, and delete its message', async () => {
    const name = 'hd-cancelled';
    const orchestrator = queue(name);
    const subscription = orchestrator.outcomes('x').subscribe();
    const task = submitted(count.makeTask('cancelled'), 'x');
    await orchestrator.pushTasks([task]);
    subscription.unsubscribe(); // cancelled: its outcome queue is deleted
    await orchestrator.close();

    const w = worker(name);
    const [event] = await w.handled(1);
    await w.stop();
    expect(event).toMatchObject({ type: 'task_dropped', taskId: task.id, executionId: 'x' });
    expect(ran).not.toContain('cancelled');
    expect(await messagesIn(emulator.client, await queueUrl(emulator.client, name))).toBe(0);
  });

  it("should not let a forged message or an earlier run's task end a run that reuses the execution id", async () => {
    const name = 'hd-reuse';
    // Run 1 of execution 'y' is cancelled with its task still queued.
    const first = queue(name);
    const subscription = first.outcomes('y').subscribe();
    await first.pushTasks([submitted(count.makeTask('run-1'), 'y')]);
    subscription.unsubscribe();
    await first.close();
    // A forged, unsigned message names execution 'y' and an outcome queue that does not exist.
    const url = await queueUrl(emulator.client, name);
    const forged = {
      executionId: 'y',
      taskId: 'forged',
      operationName: 'hardenedCount',
      attempt: 1,
      replyTo: `${url.slice(0, url.lastIndexOf('/'))}/${name}-out-forged`,
      args: ['forged'],
    };
    await emulator.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: encodeTaskEnvelope(forged) }));

    const w = worker(name);
    const events = await w.handled(2);
    expect(events.map((e) => e.type)).toEqual(['task_dropped', 'task_dropped']);
    // Run 2 of execution 'y' gets its outcome.
    const second = queue(name);
    const report = firstValueFrom(second.outcomes('y'));
    await second.pushTasks([submitted(count.makeTask('run-2'), 'y')]);
    expect((await report).outcome.returnValue).toBe('run-2');
    await w.stop();
    await second.close();
    expect(ran).toEqual(['run-2']);
  });
});

describe('a worker and hostile task messages', () => {
  it('should fail a task whose error argument replaces its name with an object, and stay up', async () => {
    const name = 'hd-error-props';
    const orchestrator = queue(name);
    const report = firstValueFrom(orchestrator.outcomes('z'));
    await orchestrator.pushTasks([submitted(rethrow.makeTask(new Error('x')), 'z')]);
    await tamper(emulator.client, await queueUrl(emulator.client, name), (fields) => {
      fields.args = [{ $t: 'error', v: { name: 'Error', message: 'm', props: { name: { toString: 1 } } } }];
    });
    const w = worker(name);
    const [event] = await w.handled(1);
    expect(event).toMatchObject({ type: 'message_rejected', reported: true });
    expect((await report).outcome.error?.message).toMatch(/"props" has the forbidden key "name"/);
    await w.stop();
    await orchestrator.close();
  });

  it('should answer a task of an unknown operation with the operation names, not its file paths', async () => {
    const name = 'hd-unknown-op';
    const orchestrator = queue(name);
    const report = firstValueFrom(orchestrator.outcomes('u'));
    await orchestrator.pushTasks([submitted(count.makeTask('unknown'), 'u')]);
    await tamper(emulator.client, await queueUrl(emulator.client, name), (fields) => {
      fields.operationName = 'hardenedNowhere';
    });
    const w = worker(name);
    const [event] = await w.handled(1);
    expect(event).toMatchObject({ type: 'message_rejected', reported: true });
    const error = (await report).outcome.error!;
    expect(error.message).toMatch(
      /Operation 'hardenedNowhere' is not registered in this worker \(registered: .*hardenedCount/,
    );
    expect(error.stack).toBeUndefined();
    expect(JSON.stringify(error)).not.toMatch(/\.[jt]s\b|file:|node_modules/);
    await w.stop();
    await orchestrator.close();
  });

  it('should refuse a reply address that is not in normal form', async () => {
    const name = 'hd-reply-normal';
    const orchestrator = queue(name);
    const subscription = orchestrator.outcomes('n').subscribe();
    await orchestrator.pushTasks([submitted(count.makeTask('not-normal'), 'n')]);
    await tamper(emulator.client, await queueUrl(emulator.client, name), (fields) => {
      const replyTo = fields.replyTo as string;
      const cut = replyTo.lastIndexOf('/');
      fields.replyTo = `${replyTo.slice(0, cut)}/x/..${replyTo.slice(cut)}`;
    });
    const w = worker(name);
    const [event] = await w.handled(1);
    expect(event).toMatchObject({ type: 'message_rejected', reported: false });
    expect(event?.type === 'message_rejected' && event.reason).toMatch(
      /reply address .*\/x\/\.\.\/.* is not an outcome queue/,
    );
    expect(ran).not.toContain('not-normal');
    await w.stop();
    subscription.unsubscribe();
    await orchestrator.close();
  });
});
