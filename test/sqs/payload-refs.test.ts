// Hardening, round 2 (issue 17), findings 1 and 2: a forged or changed payload reference makes no
// reader (CLI worker or orchestrator) read or delete an object that is not its own run's, delete
// anything after a failed check, or read more than the size the reference announces.
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsExecutionQueue, type PayloadError } from 'mazepa/sqs';
import { encodeOutcomeEnvelope } from '../../src/adapters/remote/envelope-outcome.js';
import { readOutcomeRef } from '../../src/adapters/sqs/payloads/outcome-payload.js';
import { decodePayloadRef, encodePayloadRef, type PayloadRef } from '../../src/adapters/sqs/payloads/payload-ref.js';
import { PayloadStore } from '../../src/adapters/sqs/payloads/payload-store.js';
import { echo } from '../fixtures/sqs/ops.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { objectKeys, REGION, s3Client, startWorker, useEmulator } from './helpers.js';

const BUCKET = 'refs-payloads';
const VICTIM = 'refs-victim';
const NO_RETRY = { maxOutageMs: 0, onRetry: () => undefined };
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const emulator = useEmulator();
let s3: S3Client;
let proxy: FaultProxy;
let proxied: S3Client;

beforeAll(async () => {
  s3 = await s3Client(emulator.endpoint, BUCKET);
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'important/config.json', Body: '{"keep":true}' }));
  const victim = await s3Client(emulator.endpoint, VICTIM);
  await victim.send(new PutObjectCommand({ Bucket: VICTIM, Key: 'secret.txt', Body: 'secret' }));
  victim.destroy();
  proxy = await startFaultProxy(emulator.endpoint);
  proxied = new S3Client({ endpoint: proxy.endpoint, region: REGION, credentials: CREDENTIALS, forcePathStyle: true });
});

afterAll(async () => {
  proxied?.destroy();
  s3?.destroy();
  await proxy?.stop();
});

async function body(bucket: string, key: string): Promise<string> {
  return (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
}

describe('task references read by a CLI worker (finding 1)', () => {
  it('should delete nothing a forged reference names: not unread, not after a failed check', async () => {
    const QUEUE = 'refs-tasks';
    const orchestrator = new SqsExecutionQueue({
      queueName: QUEUE,
      client: emulator.client,
      s3Client: s3,
      payloadBucket: BUCKET,
    });
    const reports: unknown[] = [];
    const subscription = orchestrator.outcomes('live-run').subscribe((r) => reports.push(r));
    const task = echo.makeTask('p'.repeat(300_000));
    task.executionId = 'live-run';
    await orchestrator.pushTasks([task]);
    // The live run's reference is taken out of the queue (no worker runs it): forgeries are made of it.
    const { url } = await orchestrator.connect();
    const { Messages = [] } = await emulator.client.send(
      new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 5 }),
    );
    const original = decodePayloadRef(Messages[0]!.Body!);
    await emulator.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: Messages[0]!.ReceiptHandle }));
    const liveKey = original.payload.key;
    const gone = `${url.slice(0, url.lastIndexOf('/'))}/${QUEUE}-out-gone-0a1b2c`; // no such outcome queue
    const important = { bucket: BUCKET, key: 'important/config.json', size: 13, sha256: 'a'.repeat(64) };
    const forged: PayloadRef[] = [
      { ...original, replyTo: gone }, // the live run's own object, its run "ended"
      { ...original, taskId: 'x', replyTo: gone, payload: important }, // any key of the bucket
      { ...original, payload: { ...original.payload, size: original.payload.size + 1 } }, // a failed size check
      { ...original, executionId: 'other', replyTo: gone }, // another execution's reference to it
    ];
    for (const ref of forged) {
      await emulator.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: encodePayloadRef(ref) }));
    }
    const worker = startWorker(emulator.endpoint, QUEUE, ['--payload-bucket', BUCKET]);
    while (worker.stderr.filter((line) => /rejected|dropped/.test(line)).length < forged.length) {
      await worker.nextLine();
    }
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    const lines = worker.stderr.filter((line) => /rejected|dropped/.test(line));
    expect(lines.filter((line) => /dropped/.test(line))).toEqual([]);
    expect(lines.join('\n')).toMatch(/important\/config\.json.* is not one of its task's keys/);
    expect(lines.join('\n')).toMatch(/is 300\d+ bytes, not the 300\d+ its message says/);
    expect(lines.join('\n')).toMatch(/holds another task/);
    expect(await body(BUCKET, 'important/config.json')).toBe('{"keep":true}');
    expect(await objectKeys(s3, BUCKET, liveKey)).toEqual([liveKey]);
    subscription.unsubscribe();
    await orchestrator.close();
  }, 60_000);
});

describe('outcome references read by the orchestrator (finding 1)', () => {
  const owner = { of: 'outcome', executionId: 'exec-o', taskId: 'task-1', attempt: 1, run: 'run-o' } as const;
  const read = (ref: string, consumed: string[]) =>
    readOutcomeRef(ref, {
      queueName: 'refs-out',
      executionId: 'exec-o',
      run: 'run-o',
      signingKey: undefined,
      payloads: new PayloadStore(proxied, BUCKET, 1000, NO_RETRY, 'refs-outcomes'),
      consumed: (r) => void consumed.push(`${r.payload.bucket}/${r.payload.key}`),
    });

  it('should make no S3 call for a reference to another bucket or to a key not of its run, and fail only that task', async () => {
    const before = proxy.counts.calls;
    const consumed: string[] = [];
    const elsewhere = [
      { bucket: VICTIM, key: 'secret.txt' },
      { bucket: BUCKET, key: 'important/config.json' },
      { bucket: BUCKET, key: 'mazepa-payloads/refs-outcomes/other-exec/run-o/task-1.1.outcome.0a1b2c3d' },
      { bucket: BUCKET, key: 'mazepa-payloads/other-tasks/exec-o/run-o/task-1.1.outcome.0a1b2c3d' },
    ];
    for (const where of elsewhere) {
      const ref = encodePayloadRef({ ...owner, payload: { ...where, size: 6, sha256: 'a'.repeat(64) } });
      const result = await read(ref, consumed);
      expect(result.report?.taskId).toBe('task-1');
      expect(result.report?.outcome.error?.message).toMatch(/was not read: its payload (is in bucket|key)/);
    }
    expect(proxy.counts.calls).toBe(before);
    expect(consumed).toEqual([]);
    expect(await body(VICTIM, 'secret.txt')).toBe('secret');
  });

  it("should not delete its own run's object after a failed size check", async () => {
    const store = new PayloadStore(s3, BUCKET, 1000, NO_RETRY, 'refs-outcomes');
    const text = encodeOutcomeEnvelope({ ...owner, executionSecs: 0, returnValue: 'o'.repeat(5000) });
    const ref = decodePayloadRef(await store.offload(text, owner, undefined));
    const shorter = encodePayloadRef({ ...ref, payload: { ...ref.payload, size: 10 } });
    const deletes = proxy.counts.forwardedByAction.DeleteObject ?? 0;
    const consumed: string[] = [];
    const result = await read(shorter, consumed);
    expect(result.report?.outcome.error?.message).toMatch(/is 5\d{3} bytes, not the 10 its message says/);
    expect(consumed).toEqual([]);
    expect(proxy.counts.forwardedByAction.DeleteObject ?? 0).toBe(deletes);
    expect(await body(BUCKET, ref.payload.key)).toBe(text);
    // The untouched reference reads, and only then is its object given to be deleted.
    const fine = await read(encodePayloadRef(ref), consumed);
    expect(fine.report?.outcome.returnValue).toBe('o'.repeat(5000));
    expect(consumed).toEqual([`${BUCKET}/${ref.payload.key}`]);
  });
});

describe('a payload replaced by a bigger object (finding 2)', () => {
  it('should read none of it past the announced size', async () => {
    const store = new PayloadStore(proxied, BUCKET, 1000, NO_RETRY, 'refs-big');
    const owner = { of: 'task', executionId: 'exec-b', taskId: 't', attempt: 1, run: 'r', replyTo: 'q' } as const;
    const ref = decodePayloadRef(await store.offload('b'.repeat(2000), owner, undefined));
    const big = 10 * 2 ** 20; // the emulator takes up to 11 MiB a request
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: ref.payload.key, Body: Buffer.alloc(big, 98) }));
    const before = proxy.counts.answerBytesByAction.GetObject ?? 0;
    const error = (await store.fetch(ref).catch((e: unknown) => e)) as PayloadError;
    expect(error.name).toBe('PayloadError');
    expect(error.message).toMatch(new RegExp(`is ${big} bytes, not the 2000 its message says`));
    // The proxy passed on only what sat in the sockets' buffers when the reader hung up.
    expect((proxy.counts.answerBytesByAction.GetObject ?? 0) - before).toBeLessThan(big / 4);
  });
});
