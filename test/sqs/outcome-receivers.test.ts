// The long polls of an outcome queue: more while outcomes wait, one when none do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { taskableOperation } from 'mazepa';
import { SqsExecutionQueue, type SqsQueueEvent } from 'mazepa/sqs';
import { queueNames, queueUrl, REGION, startEmulator, type Emulator } from './helpers.js';

// SQS takes only tasks of registered operations.
const echo = taskableOperation((n: number) => n, { operationName: 'outcome-receivers-echo' });

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator();
});

afterAll(async () => {
  await emulator?.stop();
});

/** A client of the emulator that tells, at each ReceiveMessage it starts, how many are in flight. */
function watchedClient(onStart: (inFlight: number) => void): SQSClient {
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const client = new SQSClient({ endpoint: emulator.endpoint, region: REGION, credentials });
  let inFlight = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'ReceiveMessageCommand') return next(args);
      onStart(++inFlight);
      try {
        return await next(args);
      } finally {
        inFlight--;
      }
    },
    { step: 'initialize', name: 'watchReceives' },
  );
  return client;
}

describe('SqsExecutionQueue outcome receivers', () => {
  it('should poll with one receiver once no outcomes wait, after more took a backlog', async () => {
    const starts: number[] = [];
    let onStart = (): void => undefined;
    const client = watchedClient((inFlight) => {
      starts.push(inFlight);
      onStart();
    });
    let rejected = 0;
    let drained = (): void => undefined;
    const done = new Promise<void>((resolve) => (drained = resolve));
    const onEvent = (event: SqsQueueEvent): void => {
      if (event.type === 'outcome_rejected' && ++rejected === 60) drained();
    };
    const queue = new SqsExecutionQueue({ queueName: 'receivers', client, waitTimeSeconds: 1, onEvent });
    const subscription = queue.outcomes('e').subscribe();
    const task = echo.makeTask(1);
    task.executionId = 'e';
    await queue.pushTasks([task]); // the outcome queue exists once a task is pushed
    const [name] = await queueNames(emulator.client, 'receivers-out-');
    const url = await queueUrl(emulator.client, name!);
    for (let i = 0; i < 60; i += 10) {
      const Entries = Array.from({ length: 10 }, (_, j) => ({ Id: String(j), MessageBody: `not an outcome ${i + j}` }));
      await emulator.client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries }));
    }
    await done;
    // Helpers still polling leave at their next receive (1 s at most); then one receiver is left.
    const after = starts.length;
    await new Promise<void>((resolve) => (onStart = () => starts.length >= after + 4 && resolve()));
    expect(starts.slice(after + 2, after + 4)).toEqual([1, 1]);
    subscription.unsubscribe();
    await queue.close();
    client.destroy();
  });
});
