// `mazepa queues` run as a child process against the SQS emulator.
import { describe, expect, it, onTestFailed } from 'vitest';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { SqsExecutionQueue, encodeTaskEnvelope } from 'mazepa/sqs';
import { packOutcomes } from '../src/adapters/sqs/messages/outcome-pack.js';
import { spawnScript } from './fixtures/run/spawn-mazepa.js';
import { heartbeatOf, leftBehind, putObjects, queueNamed } from './sqs/admin-helpers.js';
import { makeQueue, objectKeys, queueNames, queueUrl, s3Client, workerEnv, useEmulator } from './sqs/helpers.js';

const emulator = useEmulator();

function mazepaQueues(args: readonly string[]) {
  return spawnScript('src/cli/main.ts', ['queues', ...args], workerEnv(emulator.endpoint)).exited;
}

async function depth(url: string): Promise<number> {
  const { Attributes } = await emulator.client.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages);
}

describe('mazepa queues', () => {
  it('should list the outcome queues and delete those of dead runs only, never a foreign queue', async () => {
    const client = emulator.client;
    const QUEUE = 'cli-admin';
    const live = new SqsExecutionQueue({ queueName: QUEUE, client });
    await live.connect(); // makes the task queue and its dead-letter queue
    const subscription = live.outcomes('exec-live').subscribe({ error: () => undefined });
    onTestFailed(async () => {
      subscription.unsubscribe();
      await live.close();
    });
    const liveName = await queueNamed(client, `${QUEUE}-out-exec-live-`);
    await heartbeatOf(client, await queueUrl(client, liveName));
    const dead = `${QUEUE}-out-exec-dead-0a1b2c`;
    const foreign = [`${QUEUE}-outx-exec-1-0a1b2c`, `${QUEUE}-out-x`, `${QUEUE}-out-exec-2-0a1b2c`];
    await leftBehind(client, dead, QUEUE, 2 * 3_600_000);
    await makeQueue(client, foreign[0]!);
    await makeQueue(client, foreign[1]!);
    await leftBehind(client, foreign[2]!, 'another-task-queue', 2 * 3_600_000);
    // Outcomes that came after the run was gone: a pack of three and one alone, counted as four.
    const deadUrl = await queueUrl(client, dead);
    for (const MessageBody of [packOutcomes(['{"a":1}', '{"b":2}', '{"c":3}']), '{"d":4}']) {
      await client.send(new SendMessageCommand({ QueueUrl: deadUrl, MessageBody }));
    }
    // Two tasks waiting in the task queue, one of them taken by a worker.
    const taskUrl = await queueUrl(client, QUEUE);
    for (const MessageBody of ['task 1', 'task 2']) {
      await client.send(new SendMessageCommand({ QueueUrl: taskUrl, MessageBody }));
    }
    await client.send(new ReceiveMessageCommand({ QueueUrl: taskUrl, MaxNumberOfMessages: 1, VisibilityTimeout: 600 }));
    const listing = await mazepaQueues(['--queue-name', QUEUE]);
    expect(listing.stderr).toBe('');
    expect(listing.code).toBe(0);
    expect(listing.stdout.split('\n')).toEqual([
      `task queue ${QUEUE}: 1 message(s) waiting, 1 in flight (held by workers), 0 delayed`,
      'outcome queues: 2 (1 orphan, 1 alive, 0 untagged)',
      `  orphan   ${dead}  execution exec-dead, last heartbeat 2 h 0 min ago, 4 outcome(s) waiting in 2 message(s)`,
      expect.stringMatching(new RegExp(`^  alive    ${liveName}  execution exec-live, last heartbeat 0 min ago`)),
      `dead-letter queue ${QUEUE}-dlq: 0 message(s), 0 in flight`,
      '',
    ]);

    const cleanup = await mazepaQueues(['--queue-name', QUEUE, '--delete-orphans', '--json']);
    expect(cleanup.stderr).toBe('');
    expect(cleanup.code).toBe(0);
    const result = JSON.parse(cleanup.stdout) as { deleted: string[]; outcomeQueues: { name: string }[] };
    expect(result.deleted).toEqual([dead]);
    expect(result.outcomeQueues.map((q) => q.name)).toEqual([dead, liveName]);
    expect(await queueNames(client, QUEUE)).toEqual([QUEUE, ...foreign, `${QUEUE}-dlq`, liveName].sort());
    expect(await depth(taskUrl)).toBe(1); // nothing in the task queue was touched
    subscription.unsubscribe();
    await live.close();
  });

  it("should list the payloads per execution with --payload-bucket and delete a dead run's only", async () => {
    const client = emulator.client;
    const QUEUE = 'cli-payloads';
    const BUCKET = 'cli-payloads';
    const s3 = await s3Client(emulator.endpoint, BUCKET);
    const live = new SqsExecutionQueue({ queueName: QUEUE, client });
    const subscription = live.outcomes('exec-live').subscribe({ error: () => undefined });
    onTestFailed(async () => {
      subscription.unsubscribe();
      await live.close();
    });
    await heartbeatOf(client, await queueUrl(client, await queueNamed(client, `${QUEUE}-out-exec-live-`)));
    const dead = `${QUEUE}-out-exec-dead-0a1b2c`;
    await leftBehind(client, dead, QUEUE, 2 * 3_600_000, 'exec-dead');
    const run = (execution: string): string => `mazepa-payloads/${QUEUE}/${execution}/r/`;
    await putObjects(s3, BUCKET, `${run('exec-dead')}t.1.task.`, [1000, 2000, 72]);
    await putObjects(s3, BUCKET, `${run('exec-live')}t.1.task.`, [300_000]);
    // Without an outcome queue here: a run that ended.
    await putObjects(s3, BUCKET, `${run('exec-other')}t.1.task.`, [10]);
    // Another task queue's run of the same execution id: not even listed.
    await putObjects(s3, BUCKET, 'mazepa-payloads/cli-other/exec-dead/r/t.1.task.', [10]);
    await putObjects(s3, BUCKET, 'elsewhere/', [5]);
    const before = await objectKeys(s3, BUCKET);

    const listing = await mazepaQueues(['--queue-name', QUEUE, '--payload-bucket', BUCKET]);
    expect(listing.stderr).toBe('');
    expect(listing.code).toBe(0);
    expect(listing.stdout.split('\n').slice(-5)).toEqual([
      `payloads in s3://${BUCKET}/mazepa-payloads/: 3 run(s) (1 orphan, 1 alive, 0 untagged, 1 unowned)`,
      `  orphan   ${run('exec-dead')}  execution exec-dead, 3 object(s), 3.0 KiB`,
      `  alive    ${run('exec-live')}  execution exec-live, 1 object(s), 293.0 KiB`,
      `  unowned  ${run('exec-other')}  execution exec-other, 1 object(s), 10 B`,
      '',
    ]);
    expect(await objectKeys(s3, BUCKET)).toEqual(before); // listing changes nothing

    const cleanup = await mazepaQueues(['--queue-name', QUEUE, '--payload-bucket', BUCKET, '--delete-orphans']);
    expect(cleanup.stderr).toBe('');
    expect(cleanup.code).toBe(0);
    expect(cleanup.stdout).toContain(
      `deleted the payloads of 1 dead or unowned run(s): 3 object(s), 3.0 KiB\n  ${run('exec-dead')}\n` +
        `deleted 1 orphan outcome queue(s)\n  ${dead}\n`,
    );
    expect(await objectKeys(s3, BUCKET)).toEqual(before.filter((key) => !key.startsWith(run('exec-dead'))));
    expect(await queueNames(client, dead)).toEqual([]);
    subscription.unsubscribe();
    await live.close();
    s3.destroy();
  });

  it('should move the dead letters back to the task queue with --redrive', async () => {
    const client = emulator.client;
    const QUEUE = 'cli-redrive';
    const connection = await new SqsExecutionQueue({ queueName: QUEUE, client }).connect();
    const dlq = await queueUrl(client, `${QUEUE}-dlq`);
    // 25 task messages of this task queue, and 5 of another application sharing the dead-letter queue.
    const base = connection.url.slice(0, connection.url.lastIndexOf('/'));
    const replyTo = `${base}/${QUEUE}-out-e-0a1b2c`;
    const task = (i: number): string =>
      encodeTaskEnvelope({ executionId: 'e', taskId: `t${i}`, operationName: 'op', attempt: 1, replyTo, args: [] });
    const bodies = [...Array.from({ length: 25 }, (_, i) => task(i)), ...[0, 1, 2, 3, 4].map((i) => `order ${i}`)];
    for (let i = 0; i < bodies.length; i += 10) {
      const Entries = bodies.slice(i, i + 10).map((MessageBody, j) => ({ Id: String(j), MessageBody }));
      await client.send(new SendMessageBatchCommand({ QueueUrl: dlq, Entries }));
    }
    const run = await mazepaQueues(['--queue-name', QUEUE, '--redrive']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`dead-letter queue ${QUEUE}-dlq: 30 message(s), 0 in flight`);
    expect(run.stdout).toContain(
      `moved 25 dead-letter message(s) back to ${QUEUE}; left 5 that are not mazepa task messages of ${QUEUE}`,
    );
    expect(await depth(dlq)).toBe(5);
    expect(await depth(connection.url)).toBe(25);
  });

  it('should print the text of tags escaped: a forged tag cannot forge lines or reach the terminal (finding 11)', async () => {
    const QUEUE = 'cli-escape';
    const forged = 'exec\u001b[31m\r\nmazepa queues: FORGED\u202e';
    await leftBehind(emulator.client, `${QUEUE}-out-exec-0a1b2c`, QUEUE, 2 * 3_600_000, forged);
    const listing = await mazepaQueues(['--queue-name', QUEUE]);
    expect(listing.code).toBe(0);
    const lines = listing.stdout.split('\n');
    expect(lines.filter((line) => line.startsWith('mazepa queues: FORGED'))).toEqual([]);
    // eslint-disable-next-line no-control-regex -- control characters are what it looks for
    expect(listing.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(listing.stdout).toContain('execution exec\\x1b[31m\\r\\nmazepa queues: FORGED\\u202e,');
  });

  it('should exit 1 naming the queue when an SQS call fails, and 2 on bad usage', async () => {
    const [missing, noBucket, noName, tooYoung, maxAlone, unknown] = await Promise.all([
      mazepaQueues(['--queue-name', 'cli-no-such-queue', '--redrive']),
      mazepaQueues(['--queue-name', 'cli-no-such-queue', '--payload-bucket', 'cli-no-such-bucket']),
      mazepaQueues([]),
      mazepaQueues(['--queue-name', 'q', '--older-than-ms', '5000']),
      mazepaQueues(['--queue-name', 'q', '--max-messages', '3']),
      mazepaQueues(['--queue-name', 'q', '--purge']),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("the task queue 'cli-no-such-queue' does not exist");
    expect(noBucket.code).toBe(1);
    expect(noBucket.stderr).toContain(
      'S3 ListObjectsV2 on s3://cli-no-such-bucket/mazepa-payloads/ failed: NoSuchBucket',
    );
    expect(noName).toMatchObject({ code: 2, stderr: expect.stringContaining('give --queue-name') });
    expect(tooYoung).toMatchObject({ code: 2, stderr: expect.stringContaining('>= 120000') });
    expect(maxAlone).toMatchObject({ code: 2, stderr: expect.stringContaining('--max-messages applies to --redrive') });
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown option '--purge'") });
  });
});
