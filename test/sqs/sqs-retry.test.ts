// Unit tests of retrying transient SQS errors: classification, backoff, the outage budget and
// batch entries, with fake timers and a stubbed client (the fault tests use a real server).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { QueueDoesNotExist } from '@aws-sdk/client-sqs';
import { SqsExecutionQueue, SqsQueueError, runWorker, type SqsQueueEvent, type WorkerEvent } from 'mazepa/sqs';
import { batchCall } from '../../src/adapters/sqs/calls/batch-call.js';
import { isTransientSqsError, wrapSqsError } from '../../src/adapters/sqs/calls/sqs-error.js';
import { callBackoffMs, retrying, type SqsCallRetried } from '../../src/adapters/sqs/calls/sqs-retry.js';
import { idlePoll, stubClient } from './stub-client.js';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const awsError = (name: string, status?: number, extra: object = {}): Error =>
  Object.assign(new Error(`${name} happened`), {
    name,
    ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }),
    ...extra,
  });

describe('isTransientSqsError', () => {
  it('should call throttling, 5xx, timeouts and dropped connections transient', () => {
    const transient = [
      awsError('ThrottlingException', 400),
      awsError('AWS.SimpleQueueService.RequestThrottled', 400),
      awsError('SomethingNew', 429),
      awsError('InternalError', 500),
      awsError('Unknown', 503),
      awsError('TimeoutError'),
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      new Error('socket hang up'),
      new TypeError('fetch failed', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) }),
      wrapSqsError(awsError('ServiceUnavailable', 503), 'ReceiveMessage', 'q'),
    ];
    const permanent = [
      awsError('AccessDenied', 403),
      awsError('InvalidParameterValue', 400),
      new QueueDoesNotExist({ message: 'gone', $metadata: { httpStatusCode: 400 } }),
      awsError('AbortError'),
      awsError('QueueNameExists', 400),
      'a string',
      undefined,
    ];
    expect(transient.map((e) => isTransientSqsError(e))).toEqual(transient.map(() => true));
    expect(permanent.map((e) => isTransientSqsError(e))).toEqual(permanent.map(() => false));
  });
});

describe('callBackoffMs', () => {
  it('should double from 100 ms (500 ms when throttled) up to 10 s, with full jitter', () => {
    vi.spyOn(Math, 'random').mockReturnValue(1);
    expect([1, 2, 3, 4, 8, 30].map((n) => callBackoffMs(n, false))).toEqual([100, 200, 400, 800, 10_000, 10_000]);
    expect([1, 2, 5, 6].map((n) => callBackoffMs(n, true))).toEqual([500, 1000, 8000, 10_000]);
    vi.spyOn(Math, 'random').mockReturnValue(0.25);
    expect(callBackoffMs(3, false)).toBe(100);
  });
});

describe('retrying', () => {
  function policy(maxOutageMs: number): { retries: SqsCallRetried[]; policy: Parameters<typeof retrying>[0] } {
    const retries: SqsCallRetried[] = [];
    return { retries, policy: { maxOutageMs, onRetry: (e) => retries.push(e) } };
  }

  it('should try a transient failure again after a backoff, and report each retry', async () => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const { retries, policy: p } = policy(60_000);
    let calls = 0;
    const result = retrying(p, 'SendMessageBatch', 'q', async () => {
      if (++calls < 4) throw awsError('InternalError', 500);
      return 'sent';
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(99);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toBe(2);
    await vi.advanceTimersByTimeAsync(600);
    expect(await result).toBe('sent');
    expect(retries.map((r) => [r.failures, r.retryInMs, r.failingForMs])).toEqual([
      [1, 100, 0],
      [2, 200, 100],
      [3, 400, 300],
    ]);
    expect(retries[0]!.error.message).toBe(
      "SQS SendMessageBatch on queue 'q' failed: InternalError: InternalError happened",
    );
  });

  it('should give up once the call has failed for maxOutageMs, naming the queue, the call and how long', async () => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const { retries, policy: p } = policy(5000);
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const result = retrying(p, 'ReceiveMessage', 'tasks', () => Promise.reject(reset)).catch((e: unknown) => e);
    await vi.runAllTimersAsync();
    const error = await result;
    expect(error).toBeInstanceOf(SqsQueueError);
    expect(error).toMatchObject({ queueName: 'tasks', operation: 'ReceiveMessage', cause: reset, failingForMs: 5000 });
    expect((error as Error).message).toBe(
      "SQS ReceiveMessage on queue 'tasks' has failed for 5.0 s (7 tries; the outage budget maxOutageMs is 5000 ms); the last error: Error: socket hang up",
    );
    expect(retries.map((r) => r.retryInMs)).toEqual([100, 200, 400, 800, 1600, 1900]);
  });

  it('should not retry a permanent error, nor anything with maxOutageMs 0', async () => {
    const { retries, policy: p } = policy(60_000);
    const denied = awsError('AccessDenied', 403);
    await expect(retrying(p, 'GetQueueUrl', 'q', () => Promise.reject(denied))).rejects.toMatchObject({
      message: "SQS GetQueueUrl on queue 'q' failed: AccessDenied: AccessDenied happened",
      cause: denied,
    });
    const { policy: none } = policy(0);
    const throttled = awsError('ThrottlingException', 400);
    await expect(retrying(none, 'GetQueueUrl', 'q', () => Promise.reject(throttled))).rejects.toMatchObject({
      failingForMs: expect.any(Number),
      cause: throttled,
    });
    expect(retries).toEqual([]);
  });

  it('should stop waiting at once when its signal aborts', async () => {
    vi.useFakeTimers();
    const { policy: p } = policy(60_000);
    const stop = new AbortController();
    let calls = 0;
    const result = retrying(
      p,
      'ReceiveMessage',
      'q',
      () => {
        calls++;
        return Promise.reject(awsError('ThrottlingException', 400));
      },
      { signal: stop.signal },
    ).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(0);
    stop.abort();
    expect(await result).toMatchObject({ operation: 'ReceiveMessage' });
    expect(calls).toBe(1);
  });
});

describe('batchCall', () => {
  it('should resend only the entries that failed on the server, and never those refused or sent', async () => {
    vi.useFakeTimers();
    const sent: number[][] = [];
    const answers = [
      () => Promise.reject(awsError('ThrottlingException', 400)), // the whole call: all again
      () =>
        Promise.resolve([
          { Id: '1', SenderFault: false, Code: 'InternalError' },
          { Id: '3', SenderFault: true, Code: 'InvalidMessageContents' },
        ]),
      () => Promise.resolve([{ Id: '1', SenderFault: false, Code: 'InternalError' }]),
      () => Promise.resolve([]),
    ];
    const results = batchCall(
      { maxOutageMs: 60_000, onRetry: () => undefined },
      'SendMessageBatch',
      'q',
      4,
      (indices) => {
        sent.push([...indices]);
        return answers[sent.length - 1]!();
      },
    );
    await vi.runAllTimersAsync();
    const outcome = await results;
    expect(sent).toEqual([[0, 1, 2, 3], [0, 1, 2, 3], [1], [1]]);
    expect(outcome.map((e) => e?.message)).toEqual([
      undefined,
      undefined,
      undefined,
      "SQS SendMessageBatch on queue 'q' refused a message: InvalidMessageContents: ",
    ]);
  });

  it('should fail the entries the server keeps failing on once the budget is spent, and keep the others', async () => {
    vi.useFakeTimers();
    const results = batchCall({ maxOutageMs: 2000, onRetry: () => undefined }, 'DeleteMessageBatch', 'q', 2, () =>
      Promise.resolve([{ Id: '0', SenderFault: false, Code: 'InternalError', Message: 'busy' }]),
    );
    await vi.runAllTimersAsync();
    const [first, second] = await results;
    expect(first?.message).toMatch(
      /^SQS DeleteMessageBatch on queue 'q' has failed for 2\.0 s \(\d+ tries; the outage budget maxOutageMs is 2000 ms\); the last error: SqsQueueError: SQS DeleteMessageBatch on queue 'q' failed for a message: InternalError: busy$/,
    );
    expect(second).toBeUndefined();
  });
});

describe('SqsExecutionQueue and runWorker under transient errors', () => {
  it('should check maxOutageMs, naming the option and the value', async () => {
    expect(() => new SqsExecutionQueue({ queueName: 'q', maxOutageMs: -1 })).toThrow(
      new TypeError(
        "SqsExecutionQueue: option 'maxOutageMs' must be a number of milliseconds >= 0 (Infinity: no limit), received -1",
      ),
    );
    expect(() => new SqsExecutionQueue({ queueName: 'q', maxOutageMs: Number.NaN })).toThrow(TypeError);
    expect(() => new SqsExecutionQueue({ queueName: 'q', maxOutageMs: '5' as unknown as number })).toThrow(
      /'maxOutageMs'.*received "5"/,
    );
    expect(new SqsExecutionQueue({ queueName: 'q', maxOutageMs: Infinity }).name).toBe('sqs:q');
    const queue = new SqsExecutionQueue({ queueName: 'q' });
    await expect(runWorker({ queue, maxOutageMs: -5 })).rejects.toThrow(
      "runWorker: option 'maxOutageMs' must be a number of milliseconds >= 0 (Infinity: no limit), received -5",
    );
  });

  it('should ride out start-up throttling, and warn of a call retried at most once every 10 s by default', async () => {
    vi.useFakeTimers();
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    let lookups = 0;
    const { client } = stubClient((name) => {
      if (name === 'GetQueueUrl' && ++lookups <= 12) throw awsError('ThrottlingException', 400);
      if (name === 'GetQueueAttributes') return { Attributes: { VisibilityTimeout: '30' } };
      return { QueueUrl: 'http://h/000/q' };
    });
    const queue = new SqsExecutionQueue({ queueName: 'q', client });
    const connected = queue.connect();
    await vi.runAllTimersAsync();
    expect((await connected).url).toBe('http://h/000/q');
    expect(lookups).toBe(13);
    const warnings = warn.mock.calls.map(([text]) => String(text));
    expect(warnings.length).toBeGreaterThanOrEqual(2); // the first retry, then one per 10 s at most
    expect(warnings.length).toBeLessThan(12);
    expect(warnings[0]).toMatch(
      /^mazepa: SQS GetQueueUrl on queue 'q' failed: ThrottlingException: ThrottlingException happened; retrying in \d+ ms \(1 failure\)$/,
    );
  });

  it('should keep a worker up through failing receives, saying it retries, and stop it after maxOutageMs', async () => {
    vi.useFakeTimers();
    let receives = 0;
    let failing = true;
    const { client } = stubClient((name, _input, signal) => {
      if (name === 'ReceiveMessage') {
        receives++;
        if (receives <= 5) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        if (!failing) return idlePoll(signal, stop.signal);
        throw awsError('ServiceUnavailable', 503);
      }
      return { QueueUrl: 'http://h/000/tasks' };
    });
    // Recovers after five failures: still up, and said so each time.
    const events: WorkerEvent[] = [];
    const stop = new AbortController();
    failing = false;
    const queue = new SqsExecutionQueue({ queueName: 'tasks', client, visibilityTimeoutSec: 30 });
    const running = runWorker({ queue, signal: stop.signal, onEvent: (e) => events.push(e) });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(receives).toBe(6);
    expect(events.filter((e) => e.type === 'call_retried')).toHaveLength(5);
    expect(events.map((e) => e.type)).not.toContain('worker_stopping');
    stop.abort();
    expect(await running).toMatchObject({ stoppedBy: 'signal' });

    // Fails for good: after maxOutageMs the worker stops with an error naming the call and the queue.
    receives = 0;
    failing = true;
    const failed = runWorker({ queue, maxOutageMs: 20_000, onEvent: (e) => events.push(e) }).catch((e: unknown) => e);
    await vi.runAllTimersAsync();
    const error = await failed;
    expect(error).toBeInstanceOf(SqsQueueError);
    expect((error as Error).message).toMatch(
      /^SQS ReceiveMessage on queue 'tasks' has failed for 20\.0 s \(\d+ tries; the outage budget maxOutageMs is 20000 ms\); the last error: ServiceUnavailable/,
    );
  });
});

describe('starting together', () => {
  it('should use the queue another process created first, and say once how its settings differ', async () => {
    const taken = Object.assign(
      new Error('A queue already exists with the same name and a different value for attribute VisibilityTimeout'),
      {
        name: 'QueueNameExists',
        $metadata: { httpStatusCode: 400 },
      },
    );
    let lookups = 0;
    const { client, sent } = stubClient((name, input) => {
      if (name === 'GetQueueUrl' && ++lookups === 1)
        throw new QueueDoesNotExist({ message: 'no such queue', $metadata: {} });
      if (name === 'CreateQueue' && input.QueueName === 'q') throw taken;
      if (name === 'GetQueueAttributes') {
        return {
          Attributes: {
            QueueArn: 'arn:dlq',
            VisibilityTimeout: '30',
            MaximumMessageSize: '262144',
            RedrivePolicy: '{"deadLetterTargetArn":"arn:dlq","maxReceiveCount":5}',
          },
        };
      }
      return { QueueUrl: `http://h/000/${input.QueueName ?? 'q'}` };
    });
    const events: SqsQueueEvent[] = [];
    const queue = new SqsExecutionQueue({
      queueName: 'q',
      client,
      visibilityTimeoutSec: 5,
      onEvent: (e) => events.push(e),
    });
    expect((await queue.connect()).url).toBe('http://h/000/q');
    expect(sent.map((s) => s.name)).toEqual([
      'GetQueueUrl',
      'CreateQueue', // the dead-letter queue
      'GetQueueAttributes',
      'CreateQueue', // the task queue: another process was first
      'GetQueueUrl',
      'GetQueueAttributes',
    ]);
    expect(events).toEqual([
      {
        type: 'queue_settings_differ',
        queueName: 'q',
        queueUrl: 'http://h/000/q',
        differences: { VisibilityTimeout: { asked: '5', found: '30' } },
      },
    ]);
  });
});
