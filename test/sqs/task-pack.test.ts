// Tasks packed several to a message: each runs, reports and fails on its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  DeleteMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { all, execution, execute, flowSchema, taskableOperation } from 'mazepa';
import { SqsExecutionQueue, decodeOutcomeEnvelope, encodeTaskEnvelope, type TaskEnvelope } from 'mazepa/sqs';
import { lastValueFrom, tap, toArray } from 'rxjs';
import { isOutcomePack, unpackOutcomes } from '../../src/adapters/sqs/messages/outcome-pack.js';
import {
  isTaskPack,
  MAX_PACK_BYTES,
  packTaskMessages,
  packTasks,
  tasksPerMessage,
  unpackTasks,
  type TaskMessage,
} from '../../src/adapters/sqs/messages/task-pack.js';
import { add, hold, shout } from '../fixtures/sqs/ops.js';
import { startFaultProxy } from './fault-proxy.js';
import { killWorkers, makeQueue, queueUrl, REGION, startEmulator, startWorker, type Emulator } from './helpers.js';

const KEY = 'task-pack-test-key';
// Registered here (so the orchestrator sends it) but not in the workers, which import ops.ts only.
const onlyHere = taskableOperation((n: number) => n, { operationName: 'task-pack-only-here' });

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator();
  process.env.TASK_PACK_TEST_KEY = KEY;
});

afterAll(async () => {
  await killWorkers();
  await emulator?.stop();
});

function message(body: string, packable = true): TaskMessage {
  return { body, bytes: Buffer.byteLength(body), packable };
}

describe('task packs', () => {
  it('should pack the small tasks of a large push in order, and leave small pushes, references and big tasks alone', () => {
    const bodies = Array.from({ length: 1000 }, (_, i) => `{"task":${i},"text":"\u00e9\\""}`);
    const packs = packTaskMessages(
      bodies.map((b) => message(b)),
      10,
    );
    expect(packs).toHaveLength(100);
    expect(packs.flatMap((p) => unpackTasks(p.body))).toEqual(bodies);
    for (const p of packs) expect(p.bytes).toBeGreaterThanOrEqual(Buffer.byteLength(p.body));
    // A push of n tasks keeps at least 100 messages: packs of n / 100 tasks.
    expect(tasksPerMessage(1000, 10)).toBe(10);
    expect(tasksPerMessage(450, 10)).toBe(4);
    expect(tasksPerMessage(199, 10)).toBe(1);
    expect(tasksPerMessage(5000, 1)).toBe(1);
    expect(
      packTaskMessages(
        bodies.slice(0, 199).map((b) => message(b)),
        10,
      ),
    ).toHaveLength(199);
    expect(
      packTaskMessages(
        bodies.map((b) => message(b)),
        1,
      ),
    ).toHaveLength(1000);
    // A payload reference and a task over the pack limit travel alone, between the packs.
    const big = `{"big":"${'x'.repeat(MAX_PACK_BYTES)}"}`;
    const mixed = [...bodies.slice(0, 300), 'ref', big, ...bodies.slice(300, 600)].map((b) => message(b, b !== 'ref'));
    const sent = packTaskMessages(mixed, 10);
    expect(sent.filter((m) => !isTaskPack(m.body)).map((m) => m.body.slice(0, 10))).toEqual(['ref', big.slice(0, 10)]);
    const order = sent.flatMap((m) => (isTaskPack(m.body) ? unpackTasks(m.body) : [m.body]));
    expect(order.map((b) => b.slice(0, 12))).toEqual(mixed.map((m) => m.body.slice(0, 12)));
    // Packs stay within the 64 KiB that SQS bills as one request.
    const mid = Array.from({ length: 1000 }, (_, i) => `{"i":${i},"pad":"${'y'.repeat(20_000)}"}`);
    const packed = packTaskMessages(
      mid.map((b) => message(b)),
      10,
    );
    expect(packed.every((m) => Buffer.byteLength(m.body) <= MAX_PACK_BYTES)).toBe(true);
    expect(packed.flatMap((m) => (isTaskPack(m.body) ? unpackTasks(m.body) : [m.body]))).toEqual(mid);
    expect(() => unpackTasks('{"v":1,"kind":"tasks","tasks":[]}')).toThrow(/non-empty array of strings/);
    expect(() => unpackTasks(packTasks(['a']).replace('}', ',"x":1}'))).toThrow(/unknown field "x"/);
  });

  it('should check maxTasksPerMessage', () => {
    for (const bad of [0, 1.5, 1001, '10', Number.NaN]) {
      expect(() => new SqsExecutionQueue({ queueName: 'q', maxTasksPerMessage: bad as number })).toThrow(
        new RegExp(`SqsExecutionQueue: option 'maxTasksPerMessage' must be a whole number from 1 to 1000, received`),
      );
    }
    expect(() => new SqsExecutionQueue({ queueName: 'q', maxTasksPerMessage: 1 })).not.toThrow();
  });

  it('should run each task of a pack on real workers to its own result; an unknown operation fails only its task', async () => {
    let sentMessages = 0;
    const client = countingClient((n) => (sentMessages += n));
    const queue = new SqsExecutionQueue({ queueName: 'pack-run', client, visibilityTimeoutSec: 5 });
    await queue.connect();
    const worker = startWorker(emulator.endpoint, 'pack-run', ['--concurrency', '8']);
    await worker.waitFor(/started on queue/);
    const stray = onlyHere.makeTask(7);
    const sums = flowSchema(function* sums(n: number) {
      const tasks = Array.from({ length: n }, (_, i) => add.makeTask(i, 1000));
      yield [...tasks.slice(0, 150), stray, ...tasks.slice(150)];
      return yield* all(tasks);
    });
    const summary = await execute(sums(299), { queue, showProgress: false, raiseOnFailedTask: false });
    expect(summary.result).toEqual(Array.from({ length: 299 }, (_, i) => i + 1000));
    expect(summary).toMatchObject({ succeeded: 299, failed: 1 });
    expect(stray.outcome?.error?.message).toMatch(/Operation 'task-pack-only-here' is not registered/);
    expect(sentMessages).toBe(100); // 300 tasks, three to a message
    // Without packing, a message each.
    sentMessages = 0;
    const single = new SqsExecutionQueue({ queueName: 'pack-run', client, maxTasksPerMessage: 1 });
    const again = await execute(sums(300), { queue: single, showProgress: false, raiseOnFailedTask: false });
    expect(again).toMatchObject({ succeeded: 300, failed: 1 });
    expect(sentMessages).toBe(301);
    await Promise.all([queue.close(), single.close()]);
    client.destroy();
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  });

  it('should count tasks, not messages, against concurrency, and delete a pack only once all its outcomes are sent', async () => {
    const taskUrl = await makeQueue(emulator.client, 'pack-slots', { VisibilityTimeout: '30' });
    const outcomes = await makeQueue(emulator.client, 'pack-slots-out-e1-abc');
    // One gate per task: a gate's "go" stays on its queue (visibility 0), so it frees only its own task.
    const tags = ['h0', 'h1', 'h2', 'h3'];
    const gates = await Promise.all(tags.map((tag) => control(`pack-slots-ctl-${tag}`)));
    const bodies = tags.map((tag, i) => taskBody(outcomes, tag, 'hold', [tag, gates[i]!.name]));
    await send(taskUrl, packTasks(bodies));
    const worker = startWorker(emulator.endpoint, 'pack-slots', [
      '--concurrency',
      '2',
      '--signing-key-env',
      'TASK_PACK_TEST_KEY',
    ]);
    await worker.waitFor(/^started h0/);
    await worker.waitFor(/^started h1/);
    await gates[0]!.release();
    await worker.waitFor(/^started h2/);
    await gates[1]!.release();
    await worker.waitFor(/^started h3/);
    // Two of four tasks done and their outcomes sent: the pack's message is still held.
    const before = await readOutcomes(outcomes, 2);
    expect(before.map((o) => o.taskId).sort()).toEqual(['h0', 'h1']);
    expect(await depth(taskUrl)).toEqual({ visible: 0, held: 1 });
    await gates[2]!.release();
    await gates[3]!.release();
    const after = await readOutcomes(outcomes, 2);
    expect([...before, ...after].map((o) => [o.taskId, o.outcome.returnValue]).sort()).toEqual(
      tags.map((tag) => [tag, tag]),
    );
    worker.child.kill('SIGTERM'); // a stopping worker finishes its deletes first
    expect(await worker.exited).toBe(0);
    expect(await depth(taskUrl)).toEqual({ visible: 0, held: 0 });
    // Never more than two tasks ran at once.
    let running = 0;
    let most = 0;
    for (const line of worker.stdout) {
      if (/^started h/.test(line)) most = Math.max(most, ++running);
      if (/^finished h/.test(line)) running--;
    }
    expect(most).toBe(2);
  });

  it('should refuse whole a pack with an entry that is not a valid task message: none of it runs or is sent back (finding 3)', async () => {
    const setup = new SqsExecutionQueue({
      queueName: 'pack-dlq',
      client: emulator.client,
      visibilityTimeoutSec: 1,
      deadLetterQueue: { maxReceiveCount: 2 },
    });
    const taskUrl = (await setup.connect()).url;
    const outcomes = await makeQueue(emulator.client, 'pack-dlq-out-e1-abc');
    const tampered = taskBody(outcomes, 't-tampered', 'add', [5, 5]).replace('[5,5]', '[5,6]');
    const bodies = [taskBody(outcomes, 't-1', 'add', [1, 1]), tampered, taskBody(outcomes, 't-2', 'add', [2, 2])];
    const pack = packTasks(bodies);
    await send(taskUrl, pack);
    // The worker reaches SQS through a proxy that counts what it sends.
    const proxy = await startFaultProxy(emulator.endpoint);
    const worker = startWorker(proxy.endpoint, 'pack-dlq', ['--signing-key-env', 'TASK_PACK_TEST_KEY']);
    // The pack itself, after two receives, in the dead-letter queue: no entry of it alone.
    const dlq = await queueUrl(emulator.client, 'pack-dlq-dlq');
    const dead = await receiveUntil(dlq, 1);
    expect(dead.map((m) => m.Body)).toEqual([pack]);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    await proxy.stop();
    expect(await depth(taskUrl)).toEqual({ visible: 0, held: 0 });
    expect(await depth(outcomes)).toEqual({ visible: 0, held: 0 }); // t-1 and t-2 did not run either
    const sent = proxy.counts.forwardedByAction;
    expect((sent.SendMessage ?? 0) + (sent.SendMessageBatch ?? 0)).toBe(0);
    expect(
      worker.stderr.some((l) =>
        /entry 1 is not a task message of this queue: .*signature that does not match.*left to the dead-letter queue/.test(
          l,
        ),
      ),
    ).toBe(true);
    await setup.close();
  });

  it('should send nothing back for a pack of 2,000 junk entries, and refuse more entries than a pack may hold (finding 3)', async () => {
    const setup = new SqsExecutionQueue({
      queueName: 'pack-junk',
      client: emulator.client,
      visibilityTimeoutSec: 1,
      deadLetterQueue: { maxReceiveCount: 2 },
    });
    const taskUrl = (await setup.connect()).url;
    const outcomes = await makeQueue(emulator.client, 'pack-junk-out-e1-abc');
    const junk = packTasks(Array.from({ length: 2000 }, (_, i) => `j${i}`));
    const many = packTasks(Array.from({ length: 1001 }, (_, i) => `m${i}`)); // refused on its count alone
    await send(taskUrl, junk);
    await send(taskUrl, many);
    const proxy = await startFaultProxy(emulator.endpoint);
    const worker = startWorker(proxy.endpoint, 'pack-junk', ['--signing-key-env', 'TASK_PACK_TEST_KEY']);
    const dead = await receiveUntil(await queueUrl(emulator.client, 'pack-junk-dlq'), 2);
    expect(dead.map((m) => m.Body).sort()).toEqual([junk, many].sort());
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    await proxy.stop();
    const sent = proxy.counts.forwardedByAction;
    expect((sent.SendMessage ?? 0) + (sent.SendMessageBatch ?? 0)).toBe(0);
    expect(await depth(taskUrl)).toEqual({ visible: 0, held: 0 });
    expect(await depth(outcomes)).toEqual({ visible: 0, held: 0 });
    expect(worker.stderr.some((l) => /a task pack of 1001 entries, more than the 1000 a pack may hold/.test(l))).toBe(
      true,
    );
    // The orchestrator never makes more than maxTasksPerMessage a pack.
    const messages = Array.from({ length: 20_000 }, (_, i) => message(`{"t":${i}}`));
    const packs = packTaskMessages(messages, 7).map((m) => (isTaskPack(m.body) ? unpackTasks(m.body).length : 1));
    expect(Math.max(...packs)).toBe(7);
    await setup.close();
  });

  it('should rerun the tasks of a pack whose worker died, and keep only the first outcome of each', async () => {
    const queue = new SqsExecutionQueue({ queueName: 'pack-kill', client: emulator.client, visibilityTimeoutSec: 1 });
    await queue.connect();
    const gate = await control('pack-kill-ctl');
    // 200 tasks in one push: packs of two, the last one holding shout s198 and the held task.
    const partner = shout.makeTask('s198');
    const flow = flowSchema(function* killed() {
      yield [
        ...Array.from({ length: 198 }, (_, i) => shout.makeTask(`s${i}`)),
        partner,
        hold.makeTask('k1', gate.name),
      ];
    });
    let partnerSucceeded = (): void => undefined;
    const partnerDone = new Promise<void>((resolve) => (partnerSucceeded = resolve));
    const events = lastValueFrom(
      execution(flow(), { queue, showProgress: false }).pipe(
        tap((e) => e.type === 'task_succeeded' && e.taskId === partner.id && partnerSucceeded()),
        toArray(),
      ),
    );
    const first = startWorker(emulator.endpoint, 'pack-kill', ['--concurrency', '4']);
    await first.waitFor(/^started k1/);
    await partnerDone; // the orchestrator has the outcome of s198
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    // The pack comes back after its visibility timeout, is split, and both its tasks run again.
    const second = startWorker(emulator.endpoint, 'pack-kill');
    await second.waitFor(/^started k1/);
    await gate.release();
    const all = await events;
    await queue.close();
    expect(first.stdout).toContain('shout s198');
    expect(second.stdout).toContain('shout s198');
    expect(all.filter((e) => e.type === 'task_succeeded' && e.taskId === partner.id)).toHaveLength(1);
    const completed = all.find((e) => e.type === 'execution_completed');
    expect(completed?.type === 'execution_completed' && completed.summary).toMatchObject({ succeeded: 200, failed: 0 });
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});

/** A signed task message of `operationName` replying to `outcomes`. */
function taskBody(outcomes: string, taskId: string, operationName: string, args: unknown[]): string {
  const envelope: TaskEnvelope = {
    executionId: 'e1',
    taskId,
    operationName,
    attempt: 1,
    replyTo: outcomes,
    args: args as TaskEnvelope['args'],
  };
  return encodeTaskEnvelope(envelope, { signingKey: KEY });
}

async function send(url: string, body: string): Promise<void> {
  await emulator.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
}

/** Receives until `count` messages have come from `url` (deleting them), and returns them. */
async function receiveUntil(url: string, count: number): Promise<{ Body?: string | undefined }[]> {
  const got: { Body?: string | undefined }[] = [];
  while (got.length < count) {
    const { Messages = [] } = await emulator.client.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 5 }),
    );
    got.push(...Messages);
    if (Messages.length > 0) {
      const Entries = Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! }));
      await emulator.client.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries }));
    }
  }
  return got;
}

/** Reads `count` outcomes from an outcome queue (packed or not), signed with the test's key. */
async function readOutcomes(url: string, count: number): Promise<ReturnType<typeof decodeOutcomeEnvelope>[]> {
  const read: ReturnType<typeof decodeOutcomeEnvelope>[] = [];
  while (read.length < count) {
    for (const { Body } of await receiveUntil(url, 1)) {
      const bodies = isOutcomePack(Body) ? unpackOutcomes(Body) : [Body];
      for (const body of bodies) read.push(decodeOutcomeEnvelope(body, { signingKey: KEY }));
    }
  }
  return read;
}

async function depth(url: string): Promise<{ visible: number; held: number }> {
  const { Attributes = {} } = await emulator.client.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages),
    held: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
  };
}

/** A control queue that `hold(tag, control)` tasks wait on. Its one "go" stays visible (visibility 0): `release` frees every task holding on it, now and later. */
async function control(name: string): Promise<{ name: string; release(): Promise<void> }> {
  const url = await makeQueue(emulator.client, name, { VisibilityTimeout: '0' });
  return { name, release: () => send(url, 'go') };
}

/** A client of the emulator that counts the task messages it sends (a middleware, not a mock). */
function countingClient(onSent: (messages: number) => void): SQSClient {
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const client = new SQSClient({ endpoint: emulator.endpoint, region: REGION, credentials });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'SendMessageBatchCommand') {
        const input = args.input as { QueueUrl?: string; Entries?: unknown[] };
        if (input.QueueUrl?.endsWith('/pack-run') === true) onSent(input.Entries?.length ?? 0);
      }
      return next(args);
    },
    { step: 'initialize', name: 'countTaskMessages' },
  );
  return client;
}
