import { beforeAll, describe, expect, it } from 'vitest';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { execute, flowSchema } from 'mazepa';
import { SqsExecutionQueue, encodeTaskEnvelope } from 'mazepa/sqs';
import { shout } from '../fixtures/sqs/ops.js';
import { queueUrl, startWorker, type WorkerProcess, useEmulator } from './helpers.js';

const QUEUE = 'poison-tasks';
const KEY = 'poison-test-key';
const emulator = useEmulator();
let worker: WorkerProcess;

beforeAll(async () => {
  const setup = new SqsExecutionQueue({
    queueName: QUEUE,
    client: emulator.client,
    visibilityTimeoutSec: 1,
    deadLetterQueue: { maxReceiveCount: 2 },
  });
  await setup.connect();
  process.env.POISON_TEST_KEY = KEY;
  worker = startWorker(emulator.endpoint, QUEUE, ['--concurrency', '8', '--signing-key-env', 'POISON_TEST_KEY']);
  await worker.waitFor(/started on queue/);
});

/** 500 messages that must never run: garbage, truncated, wrongly signed, unknown operations. */
function poison(replyTo: string): { bodies: string[]; unreadable: number } {
  const bodies: string[] = [];
  let unreadable = 0;
  for (let i = 0; i < 125; i++) {
    const envelope = {
      executionId: 'exec-poison',
      taskId: `poison-${i}`,
      operationName: 'shout',
      attempt: 1,
      replyTo,
      args: [`POISON-${i}`],
    };
    const signed = encodeTaskEnvelope(envelope, { signingKey: KEY });
    bodies.push(`garbage ${i} \u00e9 {`); // no reply address: left to the dead-letter queue
    bodies.push(signed.slice(0, 20 + (i % 50))); // truncated: no reply address either
    // Wrongly signed: its reply address is not trusted, so it is left to the dead-letter queue too.
    bodies.push(encodeTaskEnvelope(envelope, { signingKey: 'not-the-key' }));
    bodies.push(encodeTaskEnvelope({ ...envelope, operationName: `nope${i}` }, { signingKey: KEY })); // unknown
    unreadable += 3;
  }
  return { bodies, unreadable };
}

describe('runWorker with poison messages', () => {
  it('should run none of 500 bad messages, stay up and complete the valid tasks among them', async () => {
    const client = emulator.client;
    const url = await queueUrl(client, QUEUE);
    // Replies to a (gone) outcome queue of this task queue: the worker reports the validly
    // signed ones there, then deletes them.
    const { bodies, unreadable } = poison(url.replace(/[^/]+$/, `${QUEUE}-out-exec-poison`));
    const send = async (): Promise<void> => {
      for (let i = 0; i < bodies.length; i += 10) {
        const Entries = bodies.slice(i, i + 10).map((MessageBody, j) => ({ Id: String(j), MessageBody }));
        const { Failed = [] } = await client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries }));
        expect(Failed).toEqual([]);
      }
    };
    const queue = new SqsExecutionQueue({ queueName: QUEUE, client, signingKey: KEY });
    const many = flowSchema(function* many() {
      yield Array.from({ length: 60 }, (_, i) => shout.makeTask(`valid-${i}`));
    });
    const [summary] = await Promise.all([execute(many(), { queue, showProgress: false }), send()]);
    await queue.close();
    expect(summary).toMatchObject({ succeeded: 60, failed: 0 });
    expect(worker.stdout.filter((l) => l.startsWith('shout valid-'))).toHaveLength(60);
    expect(worker.stdout.filter((l) => l.includes('POISON'))).toEqual([]);
    // The unreadable ones end in the dead-letter queue (after 2 receives, 1 s apart): drain it
    // with long polls, which return as soon as messages arrive there (a busy machine may leave
    // several polls in a row empty before the worker's second receives have happened).
    const dlq = await queueUrl(client, `${QUEUE}-dlq`);
    let inDlq = 0;
    for (let empty = 0; inDlq < unreadable && empty < 10;) {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({ QueueUrl: dlq, MaxNumberOfMessages: 10, WaitTimeSeconds: 3 }),
      );
      empty = Messages.length === 0 ? empty + 1 : 0;
      inDlq += Messages.length;
      if (Messages.length > 0) {
        const Entries = Messages.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle! }));
        await client.send(new DeleteMessageBatchCommand({ QueueUrl: dlq, Entries }));
      }
    }
    expect(inDlq).toBe(unreadable);
    expect(worker.child.exitCode).toBeNull();
    const rejected = worker.stderr.filter((l) => l.includes('rejected, not run'));
    expect(rejected.some((l) => /signature that does not match/.test(l))).toBe(true);
    expect(rejected.some((l) => /Operation 'nope\d+' is not registered/.test(l))).toBe(true);
    expect(rejected.some((l) => /not valid JSON/.test(l))).toBe(true);
  });
});
