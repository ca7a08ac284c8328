// Payloads over the SQS message limit travel through S3 (the emulator's, on the same port).
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execute, MazepaExecutionFailure } from 'mazepa';
import { PayloadError, SqsExecutionQueue, runWorker, type WorkerEvent } from 'mazepa/sqs';
import { readOutcomeRef } from '../../src/adapters/sqs/payloads/outcome-payload.js';
import { decodePayloadRef, encodePayloadRef } from '../../src/adapters/sqs/payloads/payload-ref.js';
import { PayloadStore } from '../../src/adapters/sqs/payloads/payload-store.js';
import { encodeOutcomeEnvelope } from '../../src/adapters/remote/envelope-outcome.js';
import { echo, floatsOf, sumFloats } from '../fixtures/sqs/ops.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import {
  CREDENTIALS,
  objectKeys,
  queueNames,
  REGION,
  s3Client,
  sqsClient,
  startWorker,
  useEmulator,
} from './helpers.js';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';

const QUEUE = 'payload-tasks';
const BUCKET = 'mazepa-test-payloads';
const PREFIX = 'mazepa-payloads/';
const NO_RETRY = { maxOutageMs: 0, onRetry: () => undefined };
const emulator = useEmulator();
let s3: S3Client;
/** What the queues and CLI workers of the tests below do on S3 goes through it, so that tests can wait on it. */
let proxy: FaultProxy;
let s3ViaProxy: S3Client;

beforeAll(async () => {
  s3 = await s3Client(emulator.endpoint, BUCKET);
  proxy = await startFaultProxy(emulator.endpoint);
  s3ViaProxy = new S3Client({
    endpoint: proxy.endpoint,
    region: REGION,
    credentials: CREDENTIALS,
    forcePathStyle: true,
  });
});

afterAll(async () => {
  s3?.destroy();
  s3ViaProxy?.destroy();
  await proxy?.stop();
});

function queue(queueName = QUEUE, extra: Partial<ConstructorParameters<typeof SqsExecutionQueue>[0]> = {}) {
  return new SqsExecutionQueue({
    queueName,
    client: emulator.client,
    s3Client: s3ViaProxy,
    payloadBucket: BUCKET,
    ...extra,
  });
}

async function run(task: Parameters<typeof execute>[0], q = queue()): Promise<void> {
  try {
    await execute(task, { queue: q, showProgress: false });
  } finally {
    await q.close();
  }
}

/** How many calls of an S3 `action` the emulator has answered, through the proxy. */
const answered = (action: string): number => proxy.counts.answeredByAction[action] ?? 0;

/** The payload objects left under `prefix` once `deletes` more objects were deleted (by a worker or an orchestrator). */
async function leftAfter(deletes: Promise<void>, prefix = PREFIX): Promise<string[]> {
  await deletes;
  return objectKeys(s3, BUCKET, prefix);
}

describe('payloads through S3, with CLI workers', () => {
  beforeAll(async () => {
    await queue().connect();
    const worker = startWorker(proxy.endpoint, QUEUE, ['--payload-bucket', BUCKET, '--concurrency', '2']);
    await worker.waitFor(/started on queue/);
  }, 120_000);

  it('should round-trip a 5 MB Float32Array argument, then delete its object', async () => {
    const values = Float32Array.from({ length: (5 * 2 ** 20) / 4 }, (_, i) => (i % 7) - 3);
    const expected = values.reduce((sum, v) => sum + v, 0);
    const task = sumFloats.makeTask(values);
    const deleted = proxy.answered('DeleteObject', answered('DeleteObject') + 1); // by the worker
    await run(task);
    expect(task.outcome?.returnValue).toEqual({ length: values.length, sum: expected });
    expect(await leftAfter(deleted)).toEqual([]);
  });

  it('should round-trip a 3 MB result, then delete its object', async () => {
    const length = (3 * 2 ** 20) / 4;
    const task = floatsOf.makeTask(length);
    const deleted = proxy.answered('DeleteObject', answered('DeleteObject') + 1); // by the orchestrator
    await run(task);
    const result = task.outcome?.returnValue as Float32Array;
    expect(result).toBeInstanceOf(Float32Array);
    expect(result.length).toBe(length);
    expect(result[999]).toBe(999);
    expect(result[length - 1]).toBe((length - 1) % 1000);
    expect(await leftAfter(deleted)).toEqual([]);
    expect(await queueNames(emulator.client, `${QUEUE}-out-`)).toEqual([]);
  });

  it('should send small messages as before, storing nothing', async () => {
    const puts = answered('PutObject');
    const task = echo.makeTask('small');
    await run(task);
    expect(task.outcome?.returnValue).toBe('small');
    expect(answered('PutObject')).toBe(puts);
    expect(await objectKeys(s3, BUCKET, PREFIX)).toEqual([]);
  });
});

describe('a payload that was changed', () => {
  it('should fail the task of a task payload changed in the bucket, naming the SHA-256 check', async () => {
    const name = 'payload-tamper';
    const q = queue(name);
    await q.connect();
    const task = echo.makeTask('y'.repeat(300_000));
    const stored = proxy.answered('PutObject', answered('PutObject') + 1);
    const failure = execute(task, { queue: q, showProgress: false }).catch((e: unknown) => e);
    // No worker runs yet: change the object as soon as it is there.
    await stored;
    const keys = await objectKeys(s3, BUCKET, PREFIX);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toContain(`${PREFIX}${name}/${encodeURIComponent(task.executionId!)}/`);
    const original = await readObject(keys[0]!);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: keys[0], Body: original.replace('yyyy', 'yyyz') }));
    const worker = startWorker(emulator.endpoint, name, ['--payload-bucket', BUCKET]);
    const error = (await failure) as MazepaExecutionFailure;
    await q.close();
    expect(error).toBeInstanceOf(MazepaExecutionFailure);
    expect(String((error.cause as Error).message)).toMatch(/does not match the SHA-256 its message says/);
    // A stopping worker finishes what it holds: the message is deleted by then; the object that
    // failed its check is not (a reader never deletes what it could not trust).
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await objectKeys(s3, BUCKET, PREFIX)).toEqual(keys);
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: keys[0] }));
  }, 120_000);

  it('should fail the task of a task payload replaced by a bigger object on a CLI worker, reading none of it past its size (finding 2)', async () => {
    const name = 'payload-bigger';
    // SQS through the proxy too: a worker answers only to outcome queues at its own endpoint.
    const sqs = sqsClient(proxy.endpoint);
    const q = queue(name, { client: sqs });
    await q.connect();
    const task = echo.makeTask('w'.repeat(300_000));
    const stored = proxy.answered('PutObject', answered('PutObject') + 1);
    const failure = execute(task, { queue: q, showProgress: false }).catch((e: unknown) => e);
    // No worker runs yet: replace the object as soon as it is there.
    await stored;
    const [key] = await objectKeys(s3, BUCKET, `${PREFIX}${name}/`);
    const { ContentLength: size = 0 } = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    const big = 10 * 2 ** 20; // the emulator takes up to 11 MiB a request
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: Buffer.alloc(big, 119) }));
    const before = proxy.counts.answerBytesByAction['GetObject'] ?? 0;
    const worker = startWorker(proxy.endpoint, name, ['--payload-bucket', BUCKET]);
    try {
      const error = (await failure) as MazepaExecutionFailure;
      expect(error).toBeInstanceOf(MazepaExecutionFailure);
      expect(String((error.cause as Error).message)).toMatch(
        new RegExp(`is ${big} bytes, not the \\d+ its message says`),
      );
      // The worker asked for one byte past the size its message says, and S3 sent no more.
      expect(size).toBeGreaterThan(300_000);
      expect((proxy.counts.answerBytesByAction['GetObject'] ?? 0) - before).toBeLessThanOrEqual(size + 1);
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      expect(await objectKeys(s3, BUCKET, `${PREFIX}${name}/`)).toEqual([key]); // a failed check deletes nothing
    } finally {
      worker.child.kill('SIGKILL');
      await q.close();
      sqs.destroy();
      await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    }
  }, 120_000);

  it('should name the size of an object made shorter or empty, from the range S3 answers', async () => {
    const store = new PayloadStore(s3, BUCKET, 1000, NO_RETRY, QUEUE);
    const owner = { of: 'outcome', executionId: 'exec-s', taskId: 'task-s', attempt: 1, run: 'run-1' } as const;
    const text = encodeOutcomeEnvelope({ ...owner, executionSecs: 0, returnValue: 's'.repeat(5000) });
    const ref = await store.offload(text, owner, undefined);
    const decoded = decodePayloadRef(ref);
    const { key, size } = decoded.payload;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: text.slice(0, 100) }));
    await expect(store.fetch(decoded)).rejects.toThrow(`is 100 bytes, not the ${size} its message says`);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: '' }));
    await expect(store.fetch(decoded)).rejects.toThrow(`is 0 bytes, not the ${size} its message says`);
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
  });

  it('should fail only the task of an outcome payload changed in the bucket', async () => {
    const store = new PayloadStore(s3, BUCKET, 1000, NO_RETRY, QUEUE);
    const owner = { of: 'outcome', executionId: 'exec-x', taskId: 'task-1', attempt: 1, run: 'run-1' } as const;
    const text = encodeOutcomeEnvelope({ ...owner, executionSecs: 0, returnValue: 'z'.repeat(5000) });
    const ref = await store.offload(text, owner, undefined);
    const { key } = decodePayloadRef(ref).payload;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: text.replace('zzz', 'zzy') }));
    const consumed: string[] = [];
    const read = await readOutcomeRef(ref, {
      queueName: 'q-out',
      executionId: 'exec-x',
      run: 'run-1',
      signingKey: undefined,
      payloads: store,
      consumed: (r) => void consumed.push(r.payload.key),
    });
    expect(read.report?.taskId).toBe('task-1');
    expect(read.report?.attempt).toBe(1);
    expect(read.report?.outcome.error?.message).toMatch(/does not match the SHA-256/);
    expect(consumed).toEqual([]); // it failed a check: left where it is
    expect(await objectKeys(s3, BUCKET, key)).toEqual([key]);
    // The same payload, untouched, reads as the outcome it is.
    const good = await store.offload(text, owner, undefined);
    const fine = await readOutcomeRef(good, {
      queueName: 'q-out',
      executionId: 'exec-x',
      run: 'run-1',
      signingKey: undefined,
      payloads: store,
      consumed: () => undefined,
    });
    expect(fine.rejected).toBeUndefined();
    expect(fine.report?.outcome.returnValue).toBe('z'.repeat(5000));
  });

  it('should refuse an outcome reference of another run without reading or deleting its payload', async () => {
    const store = new PayloadStore(s3, BUCKET, 1000, NO_RETRY, QUEUE);
    const owner = { of: 'outcome', executionId: 'exec-r', taskId: 'task-1', attempt: 1, run: 'old-run' } as const;
    const text = encodeOutcomeEnvelope({ ...owner, executionSecs: 0, returnValue: 'z'.repeat(5000) });
    const ref = await store.offload(text, owner, undefined);
    const { key } = decodePayloadRef(ref).payload;
    const consumed: string[] = [];
    const read = await readOutcomeRef(ref, {
      queueName: 'q-out',
      executionId: 'exec-r',
      run: 'new-run',
      signingKey: undefined,
      payloads: store,
      consumed: (r) => void consumed.push(r.payload.key),
    });
    expect(read.report).toBeUndefined();
    expect(read.rejected).toMatch(/another run of execution exec-r/);
    expect(consumed).toEqual([]);
    expect(await readObject(key)).toBe(text);
    await store.remove(decodePayloadRef(ref).payload);
  });

  it('should retry S3 calls that fail with transient errors, within the outage budget', async () => {
    const failures = new Map<string, number>();
    // A client that fails the first try of each call with a server error (unit test of the retry path).
    const flaky = {
      send: (command: { constructor: { name: string } }) => {
        const name = command.constructor.name;
        failures.set(name, (failures.get(name) ?? 0) + 1);
        if (failures.get(name) === 1) {
          const error = Object.assign(new Error('Service Unavailable'), {
            name: 'ServiceUnavailable',
            $metadata: { httpStatusCode: 503 },
          });
          return Promise.reject(error);
        }
        return s3.send(command as Parameters<S3Client['send']>[0]);
      },
    } as unknown as S3Client;
    const retried: string[] = [];
    const store = new PayloadStore(
      flaky,
      BUCKET,
      1000,
      {
        maxOutageMs: 60_000,
        onRetry: (e) => void retried.push(`${e.queueName}: ${e.error.message}`),
      },
      QUEUE,
    );
    const owner = { of: 'outcome', executionId: 'exec-t', taskId: 'task-1', attempt: 1 } as const;
    const ref = decodePayloadRef(await store.offload('x'.repeat(2000), owner, undefined));
    expect(await store.fetch(ref)).toBe('x'.repeat(2000));
    await store.remove(ref.payload);
    // Each retry names S3, the bucket and the key, never an SQS queue.
    const at = `s3://${BUCKET}/${ref.payload.key}`;
    expect(retried).toEqual(
      ['PutObject', 'GetObject', 'DeleteObject'].map(
        (op) => `${at}: S3 ${op} on ${at} failed: ServiceUnavailable: Service Unavailable`,
      ),
    );
    expect(await objectKeys(s3, BUCKET, `${PREFIX}${QUEUE}/exec-t/`)).toEqual([]);
    // Without a budget, the first server error is the call's last, and its message names the object.
    const impatient = new PayloadStore(flaky, BUCKET, 1000, NO_RETRY, QUEUE);
    failures.clear();
    const error = (await impatient.offload('y', owner, undefined).catch((e: unknown) => e)) as PayloadError;
    expect(error).toBeInstanceOf(PayloadError);
    const key = `s3://${BUCKET}/${error.key}`;
    expect(error.key).toMatch(/^mazepa-payloads\/payload-tasks\/exec-t\/-\/task-1\.1\.outcome\.[0-9a-f]{8}$/);
    const [stored, ...rest] = error.message.split(/has failed for \d+\.\d s /);
    expect([stored, ...rest]).toEqual([
      `The payload ${key} could not be stored: S3 PutObject on ${key} `,
      '(1 try; the outage budget maxOutageMs is 0 ms); the last error: ServiceUnavailable: Service Unavailable',
    ]);
  });

  it('should refuse a signed reference whose checksum was changed', () => {
    const ref = {
      of: 'task',
      executionId: 'e',
      taskId: 't',
      attempt: 1,
      replyTo: 'https://sqs/q-out-e',
      payload: { bucket: BUCKET, key: `${PREFIX}e/t`, size: 10, sha256: 'a'.repeat(64) },
    } as const;
    const text = encodePayloadRef(ref, { signingKey: 'secret' });
    expect(decodePayloadRef(text, { signingKey: 'secret' })).toEqual(ref);
    const changed = text.replace('a'.repeat(64), 'b'.repeat(64));
    expect(() => decodePayloadRef(changed, { signingKey: 'secret' })).toThrow(/signature that does not match/);
  });
});

describe('a payload task of a run that has ended', () => {
  it('should be dropped once its payload is read and checked, and its message and object deleted', async () => {
    const name = 'payload-ended';
    const orchestrator = queue(name);
    const subscription = orchestrator.outcomes('ended-run').subscribe({ error: () => undefined });
    const task = echo.makeTask('z'.repeat(300_000));
    task.executionId = 'ended-run';
    await orchestrator.pushTasks([task]);
    subscription.unsubscribe(); // cancelled: its outcome queue is deleted
    await orchestrator.close();
    expect(await objectKeys(s3, BUCKET, `${PREFIX}${name}/ended-run/`)).toHaveLength(1);

    // The worker reaches SQS and S3 through a proxy that counts its calls.
    const counting = await startFaultProxy(emulator.endpoint);
    const credentials = CREDENTIALS;
    const client = new SQSClient({ endpoint: counting.endpoint, region: REGION, credentials });
    const s3Proxied = new S3Client({ endpoint: counting.endpoint, region: REGION, credentials, forcePathStyle: true });
    const workerQueue = new SqsExecutionQueue({ queueName: name, client, s3Client: s3Proxied, payloadBucket: BUCKET });
    const stop = new AbortController();
    let dropped!: (event: WorkerEvent) => void;
    const droppedEvent = new Promise<WorkerEvent>((resolve) => (dropped = resolve));
    const running = runWorker({
      queue: workerQueue,
      signal: stop.signal,
      onEvent: (e) => {
        if (e.type === 'task_dropped' || e.type === 'task_started' || e.type === 'message_rejected') dropped(e);
      },
    });
    const event = await droppedEvent;
    stop.abort();
    await running;
    client.destroy();
    s3Proxied.destroy();
    await counting.stop();
    // Read first: a reference that names an outcome queue that is gone deletes nothing unchecked.
    expect(counting.counts.forwardedByAction).toMatchObject({ GetObject: 1, DeleteObject: 1 });
    expect(event).toEqual({
      type: 'task_dropped',
      taskId: task.id,
      operationName: 'echo',
      executionId: 'ended-run',
      attempt: 1,
    });
    expect(await objectKeys(s3, BUCKET, `${PREFIX}${name}/ended-run/`)).toEqual([]);
  });
});

describe('without a payload bucket', () => {
  it('should refuse a task over the limit, naming --payload-bucket', async () => {
    const q = new SqsExecutionQueue({ queueName: 'payload-none', client: emulator.client });
    const failure = await execute(echo.makeTask('x'.repeat(300_000)), { queue: q, showProgress: false }).catch(
      (e: unknown) => e,
    );
    await q.close();
    expect(String((failure as Error).cause ?? failure)).toMatch(
      /over the SQS limit .* payloadBucket \(--payload-bucket\)/,
    );
  });

  it('should refuse payloadBucket values that are not bucket names, naming the option', () => {
    expect(() => new SqsExecutionQueue({ queueName: 'q', payloadBucket: 'Not_A_Bucket' })).toThrow(
      /option 'payloadBucket' must be an S3 bucket name .* received "Not_A_Bucket"/,
    );
    expect(() => new SqsExecutionQueue({ queueName: 'q', payloadThresholdBytes: 10 ** 6 })).toThrow(
      /option 'payloadThresholdBytes' must be a whole number from 1 to 258048, received 1000000/,
    );
  });
});

async function readObject(key: string): Promise<string> {
  const response = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return response.Body!.transformToString();
}
