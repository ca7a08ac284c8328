// inspectQueues, deleteOrphanQueues and redriveDeadLetters against the SQS emulator.
import { describe, expect, it, onTestFailed, vi } from 'vitest';
import {
  GetQueueAttributesCommand,
  ListQueueTagsCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { VirtualTimeScheduler } from 'rxjs';
import { execute, flowSchema } from 'mazepa';
import {
  SqsExecutionQueue,
  deleteOrphanPayloads,
  deleteOrphanQueues,
  inspectQueues,
  redriveDeadLetters,
} from 'mazepa/sqs';
import { deleteOrphanPayloadsPaged } from '../../src/adapters/sqs/admin/orphan-cleanup.js';
import {
  HEARTBEAT_SKEW_MS,
  OUTCOME_TAGS,
  startOutcomeHeartbeat,
} from '../../src/adapters/sqs/orchestrator/outcome-heartbeat.js';
import { startFaultProxy } from './fault-proxy.js';
import { shout } from '../fixtures/sqs/ops.js';
import { heartbeatOf, leftBehind, putObjects, queueNamed } from './admin-helpers.js';
import { spawnScript } from '../fixtures/run/spawn-mazepa.js';
import {
  makeQueue,
  objectKeys,
  queueNames,
  queueUrl,
  s3Client,
  sqsClient,
  startWorker,
  workerEnv,
  useEmulator,
} from './helpers.js';

const HOUR = 3_600_000;
const emulator = useEmulator();

async function depth(client: SQSClient, url: string): Promise<number> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages);
}

/**
 * The heartbeat of the queue at `url` once it is in SQS's time (`skewMs` ahead of this host's),
 * from `since` on; throws when it does not get there.
 */
function inSqsTime(url: string, skewMs: number, since = Date.now()): Promise<number> {
  return heartbeatOf(emulator.client, url, since + skewMs - HEARTBEAT_SKEW_MS, Date.now() + skewMs + HEARTBEAT_SKEW_MS);
}

describe('startOutcomeHeartbeat', () => {
  it("should tag the queue at once and then every interval with SQS's time, rewriting a beat found off by a skewed clock", async () => {
    const proxy = await startFaultProxy(emulator.endpoint);
    const client = sqsClient(proxy.endpoint);
    proxy.shiftDate(HOUR); // SQS's clock runs an hour ahead of this host's
    const url = await makeQueue(emulator.client, 'beat-out-e2-abcdef');
    const scheduler = new VirtualTimeScheduler(undefined, 0);
    const beat = startOutcomeHeartbeat({
      client,
      url: Promise.resolve(url),
      taskQueueName: 'beat',
      executionId: 'e2',
      scheduler,
      intervalMs: 60_000,
    });
    try {
      const before = Date.now();
      scheduler.flush();
      // The beat at 0 is written with this host's time, found an hour off, and written again.
      const first = await inSqsTime(url, HOUR, before);
      expect(proxy.counts.forwardedByAction['TagQueue']).toBe(2);
      const { Tags } = await emulator.client.send(new ListQueueTagsCommand({ QueueUrl: url }));
      expect(Tags).toEqual({
        [OUTCOME_TAGS.taskQueue]: 'beat',
        [OUTCOME_TAGS.executionId]: 'e2',
        [OUTCOME_TAGS.heartbeat]: String(first),
      });
      // The offset is known now: the next beat is written once, in SQS's time.
      scheduler.maxFrames = 60_000;
      scheduler.flush();
      await proxy.answered('TagQueue', 3);
      expect(await heartbeatOf(emulator.client, url)).toBeGreaterThan(Date.now() + HOUR - HEARTBEAT_SKEW_MS);
      // Beats due while one is in flight wait for it and go as one.
      scheduler.maxFrames = 240_000;
      scheduler.flush();
      await proxy.answered('TagQueue', 5);
      await heartbeatOf(emulator.client, url); // a round trip: time for a wrong sixth beat to show
      expect(proxy.counts.forwardedByAction['TagQueue']).toBe(5);
    } finally {
      beat.stop();
      client.destroy();
      await proxy.stop();
    }
  });
});

describe('inspectQueues and deleteOrphanQueues', () => {
  it("should list a dead run's outcome queue as an orphan and delete it, keeping a live run's and every foreign queue", async () => {
    const client = emulator.client;
    const QUEUE = 'admin-tasks';
    const live = new SqsExecutionQueue({ queueName: QUEUE, client });
    const subscription = live.outcomes('exec-live').subscribe({ error: () => undefined });
    onTestFailed(async () => {
      subscription.unsubscribe();
      await live.close();
    });
    const liveName = await queueNamed(client, `${QUEUE}-out-exec-live-`);
    expect(await heartbeatOf(client, await queueUrl(client, liveName))).toBeGreaterThan(Date.now() - HOUR);

    const dead = `${QUEUE}-out-exec-dead-0a1b2c`;
    const deadUrl = await leftBehind(client, dead, QUEUE, 2 * HOUR);
    const Entries = ['o1', 'o2'].map((Id) => ({ Id, MessageBody: 'an outcome nobody read' }));
    await client.send(new SendMessageBatchCommand({ QueueUrl: deadUrl, Entries }));
    const untagged = `${QUEUE}-out-exec-old-0a1b2c`;
    await makeQueue(client, untagged);
    // Queues that are not outcome queues of admin-tasks, however alike their names.
    const foreign = [
      `${QUEUE}-outx-exec-1-0a1b2c`, // shares the prefix only
      `${QUEUE}-out-x`, // another task queue...
      `${QUEUE}-out-x-dlq`,
      `${QUEUE}-out-x-out-exec-2-0a1b2c`, // ... and an orphan of that task queue
      `${QUEUE}-out-exec-3-0a1b2c`, // named like ours, tagged as another task queue's
    ];
    for (const name of foreign) await makeQueue(client, name);
    await leftBehind(client, foreign[3]!, `${QUEUE}-out-x`, 2 * HOUR);
    await leftBehind(client, foreign[4]!, 'other-tasks', 2 * HOUR);

    const report = await inspectQueues({ queueName: QUEUE, client });
    expect(report.taskQueueUrl).toBeUndefined(); // nothing was pushed: the task queue was never made
    expect(report.outcomeQueues.map((q) => [q.name, q.state])).toEqual([
      [dead, 'orphan'],
      [liveName, 'alive'],
      [untagged, 'untagged'],
    ]);
    expect(report.outcomeQueues[0]).toMatchObject({ executionId: 'exec-dead', messages: 2 });
    expect(report.outcomeQueues[1]).toMatchObject({ executionId: 'exec-live', messages: 0 });
    // The bound and the clock are options: a dead run counts as gone only past the bound.
    const longer = await inspectQueues({ queueName: QUEUE, client, olderThanMs: 3 * HOUR });
    expect(longer.outcomeQueues.map((q) => q.state)).toEqual(['alive', 'alive', 'untagged']);
    const later = await inspectQueues({ queueName: QUEUE, client, now: () => Date.now() + HOUR });
    expect(later.outcomeQueues.map((q) => q.state)).toEqual(['orphan', 'orphan', 'untagged']);

    const deleted = await deleteOrphanQueues({ queueName: QUEUE, client });
    expect(deleted.map((q) => q.name)).toEqual([dead]);
    expect(await queueNames(client, QUEUE)).toEqual([...foreign, liveName, untagged].sort());
    subscription.unsubscribe();
    await live.close();
    expect(await queueNames(client, `${QUEUE}-out-exec-live`)).toEqual([]);
  });

  it('should take a SIGKILLed orchestrator for gone once its heartbeat is past the bound, and delete its queue', async () => {
    const client = emulator.client;
    const QUEUE = 'killed-run-tasks';
    const taskUrl = await (await new SqsExecutionQueue({ queueName: QUEUE, client }).connect()).url;
    const args = ['run', 'test/fixtures/run/sqs-flow.ts', '--export', 'sums', '--args', '[3]', '--queue-name', QUEUE];
    const run = spawnScript(
      'src/cli/main.ts',
      [...args, '--endpoint', emulator.endpoint, '--no-progress'],
      workerEnv(emulator.endpoint),
    );
    // No worker: once its tasks are in the task queue, its outcome queue exists (a long poll
    // waits for them; the message stays visible).
    for (let tries = 0; tries < 10; tries++) {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({ QueueUrl: taskUrl, WaitTimeSeconds: 20, VisibilityTimeout: 0 }),
      );
      if (Messages.length > 0) break;
    }
    const outcomeName = await queueNamed(client, `${QUEUE}-out-`);
    const beat = await heartbeatOf(client, await queueUrl(client, outcomeName));
    run.child.kill('SIGKILL');
    expect((await run.exited).signal).toBe('SIGKILL');

    expect((await inspectQueues({ queueName: QUEUE, client })).outcomeQueues).toMatchObject([
      { name: outcomeName, state: 'alive', heartbeatAt: beat },
    ]);
    const elevenMinutesLater = (): number => beat + 11 * 60_000;
    const deleted = await deleteOrphanQueues({ queueName: QUEUE, client, now: elevenMinutesLater });
    expect(deleted).toMatchObject([{ name: outcomeName, state: 'orphan' }]);
    expect(deleted[0]!.executionId).toMatch(/^exec-/);
    expect(await queueNames(client, `${QUEUE}-out-`)).toEqual([]);
  });

  it('should refuse bad options with a TypeError naming the option', async () => {
    await expect(async () => inspectQueues({ queueName: 'a b' })).rejects.toThrow(/option 'queueName'.*"a b"/);
    await expect(async () => deleteOrphanQueues({ queueName: 'q', olderThanMs: 1000 })).rejects.toThrow(
      /option 'olderThanMs' must be .* >= 120000.*received 1000/,
    );
    await expect(async () => redriveDeadLetters({ queueName: 'q', maxMessages: -1 })).rejects.toThrow(TypeError);
  });
});

describe('deleteOrphanPayloads', () => {
  it("should delete a dead run's payload objects page by page, keeping a live run's and those without a queue here", async () => {
    const client = emulator.client;
    const QUEUE = 'payload-admin';
    const BUCKET = 'payload-admin';
    const s3 = await s3Client(emulator.endpoint, BUCKET);
    await leftBehind(client, `${QUEUE}-out-exec-dead-0a1b2c`, QUEUE, 2 * HOUR, 'exec-dead');
    await leftBehind(client, `${QUEUE}-out-exec-live-0a1b2c`, QUEUE, 0, 'exec-live');
    const run = (execution: string): string => `mazepa-payloads/${QUEUE}/${execution}/r1/`;
    await putObjects(s3, BUCKET, run('exec-dead'), [1, 2, 3, 4, 5]);
    await putObjects(s3, BUCKET, run('exec-live'), [6, 7, 8]);
    await putObjects(s3, BUCKET, run('exec-ended'), [9]);
    // Another task queue's live run of the same execution id, and a key of the earlier layout
    // (it does not say its task queue): neither is this task queue's to delete.
    await putObjects(s3, BUCKET, 'mazepa-payloads/other-tasks/exec-dead/r2/', [4]);
    await putObjects(s3, BUCKET, 'mazepa-payloads/exec-dead/', [2]);
    const options = { queueName: QUEUE, client, s3Client: s3, payloadBucket: BUCKET };

    const { payloads } = await inspectQueues(options);
    const newestAt = expect.any(Number) as number;
    expect(payloads).toEqual([
      {
        executionId: 'exec-dead',
        prefix: 'mazepa-payloads/exec-dead/',
        taskQueue: undefined,
        state: 'unowned',
        objects: 1,
        bytes: 2,
        newestAt,
      },
      {
        executionId: 'exec-dead',
        prefix: run('exec-dead'),
        taskQueue: QUEUE,
        state: 'orphan',
        objects: 5,
        bytes: 15,
        newestAt,
      },
      {
        executionId: 'exec-ended',
        prefix: run('exec-ended'),
        taskQueue: QUEUE,
        state: 'unowned',
        objects: 1,
        bytes: 9,
        newestAt,
      },
      {
        executionId: 'exec-live',
        prefix: run('exec-live'),
        taskQueue: QUEUE,
        state: 'alive',
        objects: 3,
        bytes: 21,
        newestAt,
      },
    ]);
    expect((await inspectQueues({ queueName: QUEUE, client })).payloads).toBeUndefined();

    // Two objects a page: the listing and the deletes go through every page.
    const deleted = await deleteOrphanPayloadsPaged(options, 2);
    expect(deleted).toEqual([{ ...payloads![1], objects: 5, bytes: 15 }]);
    expect(await objectKeys(s3, BUCKET)).toEqual([
      'mazepa-payloads/exec-dead/0',
      'mazepa-payloads/other-tasks/exec-dead/r2/0',
      `${run('exec-ended')}0`,
      ...[0, 1, 2].map((i) => `${run('exec-live')}${i}`),
    ]);
    // The outcome queues are left to deleteOrphanQueues.
    expect(await queueNames(client, `${QUEUE}-out-`)).toHaveLength(2);
    s3.destroy();
  });

  it('should delete the unowned objects written more than olderThanMs ago, and only those', async () => {
    const client = emulator.client;
    const QUEUE = 'payload-unowned';
    const BUCKET = 'payload-unowned';
    const s3 = await s3Client(emulator.endpoint, BUCKET);
    await makeQueue(client, QUEUE);
    await putObjects(s3, BUCKET, `mazepa-payloads/${QUEUE}/exec-ended/r/`, [10, 20]);
    const options = { queueName: QUEUE, client, s3Client: s3, payloadBucket: BUCKET };
    const [ended] = (await inspectQueues(options)).payloads!;
    expect(ended).toMatchObject({ state: 'unowned', objects: 2, bytes: 30 });
    const writtenAt = ended!.newestAt!;
    expect(Math.abs(writtenAt - Date.now())).toBeLessThan(HOUR);
    // Ten minutes after they were written: young enough to be kept.
    expect(await deleteOrphanPayloads({ ...options, now: () => writtenAt + 600_000 })).toEqual([]);
    expect(await objectKeys(s3, BUCKET)).toHaveLength(2);
    const later = (): number => writtenAt + 2 * HOUR;
    const deleted = await deleteOrphanPayloads({ ...options, now: later, olderThanMs: HOUR });
    expect(deleted).toEqual([
      expect.objectContaining({ executionId: 'exec-ended', state: 'unowned', objects: 2, bytes: 30 }),
    ]);
    expect(await objectKeys(s3, BUCKET)).toEqual([]);
    s3.destroy();
  });

  it('should keep the objects of a run whose heartbeat came back before they were deleted', async () => {
    const client = emulator.client;
    const QUEUE = 'payload-back';
    const BUCKET = 'payload-back';
    const s3 = await s3Client(emulator.endpoint, BUCKET);
    const url = await leftBehind(client, `${QUEUE}-out-exec-back-0a1b2c`, QUEUE, 0, 'exec-back');
    const beat = await heartbeatOf(client, url);
    await putObjects(s3, BUCKET, `mazepa-payloads/${QUEUE}/exec-back/r/`, [1, 2]);
    // The first look sees a heartbeat 2 h old; the second, just before deleting, a fresh one.
    const clock = [beat + 2 * HOUR, beat];
    const now = (): number => clock.shift() ?? beat;
    const deleted = await deleteOrphanPayloads({ queueName: QUEUE, client, s3Client: s3, payloadBucket: BUCKET, now });
    expect(clock).toEqual([]); // both looks happened
    expect(deleted).toEqual([]);
    expect(await objectKeys(s3, BUCKET)).toEqual([0, 1].map((i) => `mazepa-payloads/${QUEUE}/exec-back/r/${i}`));
    s3.destroy();
  });

  it('should refuse to run without a payload bucket, or with a bad one, naming the option', async () => {
    await expect(async () => deleteOrphanPayloads({ queueName: 'q' })).rejects.toThrow(
      /deleteOrphanPayloads: option 'payloadBucket' is required/,
    );
    await expect(async () => inspectQueues({ queueName: 'q', payloadBucket: 'Bad_Bucket' })).rejects.toThrow(
      /inspectQueues: option 'payloadBucket' must be an S3 bucket name .* received "Bad_Bucket"/,
    );
  });
});

describe('redriveDeadLetters', () => {
  it('should move the dead letters back to the task queue, where a worker runs them', async () => {
    const client = emulator.client;
    const QUEUE = 'redrive-tasks';
    const queue = new SqsExecutionQueue({ queueName: QUEUE, client, deadLetterQueue: { maxReceiveCount: 1 } });
    const url = (await queue.connect()).url;
    const shouts = flowSchema(function* shouts() {
      yield Array.from({ length: 7 }, (_, i) => shout.makeTask(`dead-letter-${i}`));
    });
    const run = execute(shouts(), { queue, showProgress: false });
    // No worker yet: a consumer that never deletes receives each message twice, and SQS moves
    // it to the dead-letter queue (maxReceiveCount 1).
    const dlqUrl = await queueUrl(client, `${QUEUE}-dlq`);
    while ((await depth(client, dlqUrl)) < 7) {
      await client.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 0, WaitTimeSeconds: 1 }),
      );
    }
    expect((await inspectQueues({ queueName: QUEUE, client })).deadLetter).toMatchObject({
      name: `${QUEUE}-dlq`,
      messages: 7,
    });

    expect(await redriveDeadLetters({ queueName: QUEUE, client, maxMessages: 3 })).toBe(3);
    expect(await redriveDeadLetters({ queueName: QUEUE, client })).toBe(4);
    expect(await depth(client, dlqUrl)).toBe(0);
    expect(await depth(client, url)).toBe(7);

    const worker = startWorker(emulator.endpoint, QUEUE, ['--concurrency', '4']);
    const summary = await run;
    expect(summary).toMatchObject({ succeeded: 7, failed: 0 });
    // Each ran once, on the worker.
    expect(worker.stdout.filter((line) => line.startsWith('shout dead-letter-')).sort()).toEqual(
      Array.from({ length: 7 }, (_, i) => `shout dead-letter-${i}`),
    );
    await queue.close();
  });

  it("should leave alone a queue named like the dead-letter queue that the task queue's policy does not name", async () => {
    const client = emulator.client;
    const QUEUE = 'no-dlq-tasks';
    const queue = new SqsExecutionQueue({ queueName: QUEUE, client, deadLetterQueue: false });
    await queue.connect();
    const lookalike = await makeQueue(client, `${QUEUE}-dlq`);
    await client.send(
      new SendMessageBatchCommand({ QueueUrl: lookalike, Entries: [{ Id: '1', MessageBody: 'mine' }] }),
    );
    expect((await inspectQueues({ queueName: QUEUE, client })).deadLetter).toBeUndefined();
    expect(await redriveDeadLetters({ queueName: QUEUE, client })).toBe(0);
    expect(await depth(client, lookalike)).toBe(1);
    await queue.close();
  });
});

describe('a skewed clock on the admin host (finding 7)', () => {
  it("should judge a heartbeat's age by the time SQS gives, and keep a live run's queue", async () => {
    const client = emulator.client;
    const QUEUE = 'skew-tasks';
    const live = `${QUEUE}-out-exec-live-0a1b2c`;
    await leftBehind(client, live, QUEUE, 0, 'exec-live'); // a beat just now, by SQS's clock too
    // This host's clock runs an hour ahead (SQS answers with its own Date).
    const real = Date.now.bind(Date);
    const skew = vi.spyOn(Date, 'now').mockImplementation(() => real() + 3_600_000);
    try {
      const report = await inspectQueues({ queueName: QUEUE, client });
      expect(report.outcomeQueues.map((q) => [q.name, q.state])).toEqual([[live, 'alive']]);
      expect(await deleteOrphanQueues({ queueName: QUEUE, client })).toEqual([]);
    } finally {
      skew.mockRestore();
    }
    expect(await queueNames(client, live)).toEqual([live]);
  });
});

describe("a skewed clock on the orchestrator's host (finding 7)", () => {
  /** A live run of `queueName` through a proxy whose SQS clock is `skewMs` off this host's. */
  async function liveRun(queueName: string, skewMs: number) {
    const proxy = await startFaultProxy(emulator.endpoint);
    proxy.shiftDate(skewMs);
    const client = sqsClient(proxy.endpoint);
    const started = Date.now();
    const queue = new SqsExecutionQueue({ queueName, client });
    const subscription = queue.outcomes('exec-live').subscribe({ error: () => undefined });
    const name = await queueNamed(emulator.client, `${queueName}-out-exec-live-`);
    const url = await queueUrl(emulator.client, name);
    return {
      client,
      name,
      url,
      started,
      async close() {
        subscription.unsubscribe();
        await queue.close();
        client.destroy();
        await proxy.stop();
      },
    };
  }

  it("should keep a live run's queue when the orchestrator's clock runs an hour behind SQS's", async () => {
    const QUEUE = 'skew-behind-tasks';
    const run = await liveRun(QUEUE, HOUR);
    onTestFailed(() => run.close());
    // Its beat is in SQS's time, not an hour old by it.
    await inSqsTime(run.url, HOUR, run.started);
    const report = await inspectQueues({ queueName: QUEUE, client: run.client });
    expect(report.outcomeQueues.map((q) => [q.name, q.state])).toEqual([[run.name, 'alive']]);
    expect(await deleteOrphanQueues({ queueName: QUEUE, client: run.client })).toEqual([]);
    expect(await queueNames(emulator.client, run.name)).toEqual([run.name]);
    await run.close();
  });

  it("should take a run for gone once its last beat is old by SQS's clock, though the orchestrator's ran an hour ahead", async () => {
    const QUEUE = 'skew-ahead-tasks';
    const run = await liveRun(QUEUE, -HOUR);
    onTestFailed(() => run.close());
    const beat = await inSqsTime(run.url, -HOUR, run.started); // SQS's time, not this host's
    // Eleven minutes after that beat by SQS's clock, the run counts as gone (had it died then).
    const later = await inspectQueues({ queueName: QUEUE, client: run.client, now: () => beat + 660_000 });
    expect(later.outcomeQueues.map((q) => [q.name, q.state])).toEqual([[run.name, 'orphan']]);
    await run.close();
  });
});
