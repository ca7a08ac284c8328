// The visibility heartbeat of SQS workers: the hold/release bookkeeping with a stub call, and the
// heartbeat thread against the emulator.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { HeldReceipts } from '../../src/adapters/sqs/worker/held-receipts.js';
import { resolveSqsOptions } from '../../src/adapters/sqs/orchestrator/sqs-options.js';
import { VisibilityHeartbeat } from '../../src/adapters/sqs/worker/visibility-heartbeat.js';
import { startHeartbeatThread, type HeartbeatThread } from '../../src/adapters/sqs/worker/heartbeat-thread.js';
import { makeQueue, REGION, workerEnv, useEmulator } from './helpers.js';
import { stubClient } from './stub-client.js';

/** An extend call that records its receipts and answers when the test says. */
function recordingExtend() {
  const calls: string[][] = [];
  const answers: { resolve: () => void; reject: (error: Error) => void }[] = [];
  const extend = (receipts: readonly string[]) =>
    new Promise<void>((resolve, reject) => {
      calls.push([...receipts]);
      answers.push({ resolve, reject });
    });
  return { extend, calls, answers };
}

describe('HeldReceipts', () => {
  it('should extend every held receipt, ten per call, and never one released', async () => {
    const { extend, calls, answers } = recordingExtend();
    const errors: unknown[] = [];
    const held = new HeldReceipts(extend, (e) => errors.push(e));
    await held.beat();
    expect(calls).toEqual([]); // nothing held, nothing called
    const receipts = Array.from({ length: 23 }, (_, i) => `r${i}`);
    for (const r of receipts) held.hold(r);
    const beat = held.beat();
    expect(calls).toEqual([receipts.slice(0, 10), receipts.slice(10, 20), receipts.slice(20)]);
    // A beat while the last one's calls are on their way is skipped.
    void held.beat();
    expect(calls).toHaveLength(3);
    for (const r of receipts.slice(1)) held.release(r);
    for (const a of answers) a.resolve();
    await beat;
    const next = held.beat();
    expect(calls.slice(3)).toEqual([['r0']]);
    answers[3]!.resolve();
    await next;
    held.release('r0');
    await held.beat();
    expect(calls).toHaveLength(4);
    expect(errors).toEqual([]);
  });

  it('should report a call that fails, and still make the others', async () => {
    const { extend, calls, answers } = recordingExtend();
    const errors: unknown[] = [];
    const held = new HeldReceipts(extend, (e) => errors.push(e));
    for (let i = 0; i < 12; i++) held.hold(`r${i}`);
    const beat = held.beat();
    const boom = new Error('throttled');
    answers[0]!.reject(boom);
    answers[1]!.resolve();
    await beat;
    expect(calls.map((c) => c.length)).toEqual([10, 2]);
    expect(errors).toEqual([boom]);
  });
});

const NO_REPORTS = { maxOutageMs: 1_000, onRetry: () => undefined };

describe('VisibilityHeartbeat', () => {
  it('should beat on the event loop for a queue given its own client (it cannot go to a thread)', async () => {
    vi.useFakeTimers();
    try {
      const { client, sent } = stubClient(() => ({}));
      const options = resolveSqsOptions({ queueName: 'q', client, visibilityTimeoutSec: 3 });
      const heartbeat = new VisibilityHeartbeat(
        { client, url: 'http://h/000/q', name: 'q', options, outcomePrefix: 'q-out-', retry: NO_REPORTS },
        (e) => expect.unreachable(String(e)),
      );
      await heartbeat.start();
      heartbeat.hold('r1');
      await vi.advanceTimersByTimeAsync(1_000);
      expect(sent.map((s) => [s.name, s.input.Entries])).toEqual([
        ['ChangeMessageVisibilityBatch', [{ Id: '0', ReceiptHandle: 'r1', VisibilityTimeout: 3 }]],
      ]);
      heartbeat.release('r1');
      await vi.advanceTimersByTimeAsync(3_000);
      expect(sent).toHaveLength(1);
      await heartbeat.stop();
    } finally {
      vi.useRealTimers();
    }
  });
  it('should beat on the event loop from then on if its thread fails', async () => {
    const { client, sent } = stubClient(() => ({}));
    let extended!: () => void;
    const firstExtend = new Promise<void>((resolve) => (extended = resolve));
    const stub = Object.assign(Object.create(client) as typeof client, {
      send: (command: never) => {
        extended();
        return client.send(command);
      },
    });
    // No client of its own: a thread is started, and it fails at once (it refuses this queue name).
    const options = resolveSqsOptions({
      queueName: 'q',
      region: REGION,
      endpoint: 'http://127.0.0.1:9',
      visibilityTimeoutSec: 1,
    });
    const errors: unknown[] = [];
    const heartbeat = new VisibilityHeartbeat(
      {
        client: stub,
        url: 'http://h/000/q',
        name: 'not a queue name',
        options,
        outcomePrefix: 'q-out-',
        retry: NO_REPORTS,
      },
      (e) => errors.push(e),
    );
    await heartbeat.start();
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/the heartbeat thread failed: heartbeats run on the event loop/);
    heartbeat.hold('r1');
    await firstExtend;
    expect(sent[0]).toMatchObject({
      name: 'ChangeMessageVisibilityBatch',
      input: { Entries: [{ ReceiptHandle: 'r1' }] },
    });
    await heartbeat.stop();
  });
});

describe('the heartbeat thread', () => {
  const emulator = useEmulator();
  const threads: HeartbeatThread[] = [];

  beforeAll(() => {
    // The thread makes its own client: credentials come from the environment, as in a worker.
    const env = workerEnv(emulator.endpoint);
    process.env.AWS_ACCESS_KEY_ID = env.AWS_ACCESS_KEY_ID;
    process.env.AWS_SECRET_ACCESS_KEY = env.AWS_SECRET_ACCESS_KEY;
  });

  afterAll(async () => {
    await Promise.all(threads.map((t) => t.stop()));
  });

  function start(queueUrl: string, visibilityTimeoutSec: number) {
    const failed: { message: string; operation: string }[] = [];
    const crashes: Error[] = [];
    let onFailed: () => void = () => undefined;
    const firstFailure = new Promise<void>((resolve) => (onFailed = resolve));
    const thread = startHeartbeatThread(
      {
        queueUrl,
        queueName: queueUrl.slice(queueUrl.lastIndexOf('/') + 1),
        region: REGION,
        endpoint: emulator.endpoint,
        visibilityTimeoutSec,
        periodMs: (visibilityTimeoutSec * 1000) / 3,
      },
      (f) => {
        failed.push(f);
        onFailed();
      },
      (e) => crashes.push(e),
    );
    threads.push(thread);
    return { thread, failed, crashes, firstFailure };
  }

  async function receive(url: string, waitSeconds: number, visibility?: number): Promise<Message[]> {
    const { Messages = [] } = await emulator.client.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: waitSeconds,
        ...(visibility === undefined ? {} : { VisibilityTimeout: visibility }),
      }),
    );
    return Messages;
  }

  it('should keep a held message hidden until it is released, and not report a deleted one', async () => {
    const url = await makeQueue(emulator.client, 'hb-held');
    const { thread, failed, crashes } = start(url, 2);
    await thread.ready;
    await emulator.client.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'a', MessageBody: 'a' },
          { Id: 'b', MessageBody: 'b' },
        ],
      }),
    );
    const taken = await receive(url, 5, 2);
    expect(taken.map((m) => m.Body).sort()).toEqual(['a', 'b']);
    for (const m of taken) thread.send({ hold: m.ReceiptHandle! });
    // b's task is done and its message deleted before its release comes: extends of it fail quietly.
    const b = taken.find((m) => m.Body === 'b')!;
    await emulator.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: b.ReceiptHandle! }));
    // Twice the visibility timeout long, the server is asked for a message: a is still held.
    expect(await receive(url, 4)).toEqual([]);
    for (const m of taken) thread.send({ release: m.ReceiptHandle! });
    // Released, a is not extended any more: it comes back within its visibility timeout.
    const back = await receive(url, 10);
    expect(back.map((m) => m.Body)).toEqual(['a']);
    expect(failed).toEqual([]);
    await thread.stop();
    expect(crashes).toEqual([]);
  });

  it('should report a ChangeMessageVisibilityBatch call that fails', async () => {
    const url = `${emulator.endpoint}/000000000000/hb-no-such-queue`;
    const { thread, failed, firstFailure } = start(url, 1);
    thread.send({ hold: 'receipt-1' });
    await firstFailure;
    expect(failed[0]).toMatchObject({ operation: 'ChangeMessageVisibilityBatch' });
    expect(failed[0]!.message).toMatch(/ChangeMessageVisibilityBatch on queue 'hb-no-such-queue' failed/);
    await thread.stop();
  });
});
