// Unit tests of error paths, with a stubbed SQS client (integration tests use a real server).
import { describe, expect, it } from 'vitest';
import { Observable, firstValueFrom, toArray } from 'rxjs';
import { QueueDoesNotExist } from '@aws-sdk/client-sqs';
import { Task, taskableOperation, type ExecutionQueue, type OutcomeReport } from 'mazepa';
import { SqsExecutionQueue, SqsQueueError, TaskRouter, runWorker } from 'mazepa/sqs';
import { outcomeMessage } from '../../src/adapters/remote/outcome-message.js';
import { prepareTask } from '../../src/adapters/remote/prepare-task.js';
import { outcomeQueueName } from '../../src/adapters/sqs/calls/queue-names.js';
import { decodeOutcomeEnvelope, encodeTaskEnvelope, MAX_MESSAGE_BYTES } from 'mazepa/sqs';
import { stubClient } from './stub-client.js';

// SqsExecutionQueue refuses tasks of operations this process has not registered.
taskableOperation((n: number) => n, { operationName: 'f' });

function submitted(task: Task, executionId = 'exec-1'): Task {
  task.executionId = executionId;
  return task;
}

describe('SqsExecutionQueue', () => {
  it('should check its options once, naming the option and the value', () => {
    const make = (options: object) => () => new SqsExecutionQueue(options);
    expect(make({})).toThrow(/give option 'queueName' or 'queueUrl'/);
    expect(make({ queueName: 'bad name' })).toThrow(/option 'queueName' must be letters, digits.*received "bad name"/);
    expect(make({ queueName: 'q.fifo' })).toThrow(/standard \(not FIFO\) queue/);
    expect(make({ queueName: 'q', visibilityTimeoutSec: 0 })).toThrow(
      /'visibilityTimeoutSec' must be a whole number from 1 to 43200, received 0/,
    );
    expect(make({ queueName: 'q', waitTimeSeconds: 21 })).toThrow(/'waitTimeSeconds'.*received 21/);
    expect(make({ queueName: 'q', deadLetterQueue: { maxReceiveCount: 0 } })).toThrow(
      /deadLetterQueue.maxReceiveCount/,
    );
    expect(make({ queueName: 'q', signingKey: '' })).toThrow(/'signingKey'/);
    expect(make({ queueUrl: 'not a url' })).toThrow(/'queueUrl' must be an http\(s\) URL/);
    expect(new SqsExecutionQueue({ queueUrl: 'http://h/000/my-q' }).name).toBe('sqs:my-q');
  });

  it('should create a missing task queue with its dead-letter queue and the 256 KiB limit', async () => {
    const { client, sent } = stubClient((name, input) => {
      if (name === 'GetQueueUrl') throw new QueueDoesNotExist({ message: 'no such queue', $metadata: {} });
      if (name === 'GetQueueAttributes') return { Attributes: { QueueArn: 'arn:dlq', VisibilityTimeout: '7' } };
      return { QueueUrl: `http://h/000/${input.QueueName}` };
    });
    const queue = new SqsExecutionQueue({ queueName: 'q', client, deadLetterQueue: { maxReceiveCount: 3 } });
    const connection = await queue.connect();
    expect(connection.url).toBe('http://h/000/q');
    const creates = sent.filter((s) => s.name === 'CreateQueue').map((s) => s.input);
    expect(creates[0]).toMatchObject({ QueueName: 'q-dlq', Attributes: { MaximumMessageSize: '262144' } });
    expect(creates[1]).toMatchObject({ QueueName: 'q', Attributes: { MaximumMessageSize: '262144' } });
    expect(JSON.parse(creates[1]!.Attributes.RedrivePolicy)).toEqual({
      deadLetterTargetArn: 'arn:dlq',
      maxReceiveCount: 3,
    });
    expect(connection.options.visibilityTimeoutSec).toBe(7); // the queue's own setting
  });

  it('should wrap an AWS error once, naming the queue and the call', async () => {
    const boom = Object.assign(new Error('not allowed'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    const { client } = stubClient(() => {
      throw boom;
    });
    const queue = new SqsExecutionQueue({ queueName: 'q', client });
    const error = await queue.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SqsQueueError);
    expect(error).toMatchObject({ queueName: 'q', operation: 'GetQueueUrl', cause: boom });
    expect((error as Error).message).toBe("SQS GetQueueUrl on queue 'q' failed: AccessDenied: not allowed");
  });

  it('should retry entries the server failed on, and refuse ones it rejects', async () => {
    let calls = 0;
    const { client, sent } = stubClient((name, input, signal) => {
      if (name === 'GetQueueUrl' || name === 'CreateQueue')
        return { QueueUrl: `http://h/000/${input.QueueName ?? 'q'}` };
      if (name === 'ReceiveMessage') {
        // A long poll that only ends when aborted, as the SDK's does.
        return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted'))));
      }
      if (name !== 'SendMessageBatch') return {};
      calls++;
      if (calls === 1) return { Failed: [{ Id: '0', SenderFault: false, Code: 'InternalError' }] };
      if (calls === 2) return {};
      return { Failed: [{ Id: '0', SenderFault: true, Code: 'InvalidMessageContents', Message: 'bad' }] };
    });
    const queue = new SqsExecutionQueue({ queueName: 'q', client });
    const subscription = queue.outcomes('exec-1').subscribe();
    await queue.pushTasks([submitted(new Task({ fn: (n: number) => n, operationName: 'f', args: [1] }))]);
    expect(sent.filter((s) => s.name === 'SendMessageBatch')).toHaveLength(2);
    const error = await queue
      .pushTasks([submitted(new Task({ fn: (n: number) => n, operationName: 'f', args: [2] }))])
      .catch((e: unknown) => e);
    expect(String(error)).toMatch(/refused a message: InvalidMessageContents: bad/);
    subscription.unsubscribe();
    await queue.close();
    const created = sent.find((s) => s.name === 'CreateQueue')!.input.QueueName as string;
    expect(created).toMatch(/^q-out-exec-1-[0-9a-f]{6}$/);
    expect(sent.at(-1)).toMatchObject({ name: 'DeleteQueue', input: { QueueUrl: `http://h/000/${created}` } });
  });

  it('should refuse tasks of executions nobody listens to', async () => {
    const { client } = stubClient(() => ({ QueueUrl: 'http://h/000/q' }));
    const queue = new SqsExecutionQueue({ queueName: 'q', client });
    const task = submitted(new Task({ fn: () => 1, operationName: 'f' }), 'nobody');
    await expect(queue.pushTasks([task])).rejects.toThrow(/execution nobody, which nobody is listening to/);
  });
});

describe('outcome queue names', () => {
  it('should keep names within 80 characters and the reply prefix', () => {
    expect(outcomeQueueName('tasks', 'exec-1', 'a1b2c3')).toBe('tasks-out-exec-1-a1b2c3');
    const long = outcomeQueueName('t'.repeat(80), `exec-${'x'.repeat(60)}`, 'a1b2c3');
    expect(long.length).toBeLessThanOrEqual(80);
    expect(long.startsWith(`${'t'.repeat(48)}-out-`)).toBe(true);
  });
});

describe('runWorker', () => {
  it('should check its options, naming the option and the value', async () => {
    const queue = new SqsExecutionQueue({ queueName: 'q' });
    await expect(runWorker({ queue: {} as SqsExecutionQueue })).rejects.toThrow(
      /option 'queue' must be an SqsExecutionQueue/,
    );
    await expect(runWorker({ queue, concurrency: 0 })).rejects.toThrow(
      /option 'concurrency' must be a whole number from 1.*received 0/,
    );
    await expect(runWorker({ queue, idleTimeoutMs: -1 })).rejects.toThrow(/option 'idleTimeoutMs'.*received -1/);
  });
});

describe('prepareTask', () => {
  it('should reject an unknown operation with its reply address, and garbage without one', () => {
    const body = encodeTaskEnvelope({
      executionId: 'e',
      taskId: 't',
      operationName: 'nowhere',
      attempt: 2,
      replyTo: 'r',
      args: [],
    });
    const unknown = prepareTask(body, undefined);
    expect(unknown).toMatchObject({ ok: false, reply: { replyTo: 'r', executionId: 'e', taskId: 't', attempt: 2 } });
    expect(unknown.ok ? '' : unknown.error.message).toMatch(/Operation 'nowhere' is not registered in this worker/);
    expect(prepareTask('{"nope"', undefined)).toMatchObject({ ok: false, reply: undefined });
  });
});

describe('outcomeMessage', () => {
  const to = { replyTo: 'r', executionId: 'e', taskId: 't', attempt: 1 };

  it('should cut an error down until it fits one message', () => {
    const huge = {
      name: 'Big',
      message: 'm'.repeat(400_000),
      stack: 's'.repeat(400_000),
      cause: { name: 'C', message: 'c'.repeat(300_000) },
    };
    const { body, failed } = outcomeMessage(to, { error: huge, executionSecs: 1 }, undefined);
    expect(failed).toBe(true);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    const { outcome } = decodeOutcomeEnvelope(body);
    expect(outcome.error?.name).toBe('Big');
    expect(outcome.error?.message).toMatch(/more characters cut\]$/);
  });

  it('should fail a task whose return value cannot be sent back, saying why', () => {
    const tooBig = outcomeMessage(to, { returnValue: 'x'.repeat(300_000), executionSecs: 0 }, undefined);
    expect(decodeOutcomeEnvelope(tooBig.body).outcome.error?.message).toMatch(
      /returned a value of 300\d{3} bytes encoded, over the limit/,
    );
    const fn = outcomeMessage(to, { returnValue: { f: () => 1 }, executionSecs: 0 }, undefined);
    expect(decodeOutcomeEnvelope(fn.body).outcome.error?.message).toMatch(
      /cannot be sent back: returnValue\.f is a function/,
    );
  });
});

describe('TaskRouter', () => {
  function recording(name: string): ExecutionQueue & { pushed: string[] } {
    const pushed: string[] = [];
    return {
      name,
      pushed,
      pushTasks: async (tasks) => void pushed.push(...tasks.map((t) => t.operationName)),
      outcomes: () => new Observable<OutcomeReport>((s) => s.complete()),
    };
  }

  it('should send each task to the queue of its worker type', async () => {
    const gpu = recording('gpu');
    const cpu = recording('cpu');
    const router = new TaskRouter({ routes: { gpu }, fallback: cpu });
    await router.pushTasks([
      new Task({ fn: () => 1, operationName: 'render', workerType: 'gpu' }),
      new Task({ fn: () => 1, operationName: 'count' }),
      new Task({ fn: () => 1, operationName: 'other', workerType: 'tpu' }),
    ]);
    expect(gpu.pushed).toEqual(['render']);
    expect(cpu.pushed).toEqual(['count', 'other']);
    expect(await firstValueFrom(router.outcomes('e').pipe(toArray()))).toEqual([]);
  });

  it('should refuse a task whose worker type has no route and no fallback', async () => {
    const router = new TaskRouter({ routes: { gpu: recording('gpu') } });
    await expect(router.pushTasks([new Task({ fn: () => 1, operationName: 'x', workerType: 'cpu' })])).rejects.toThrow(
      /worker type "cpu", which has no route \(routes: gpu\)/,
    );
    expect(() => new TaskRouter({ routes: { gpu: {} as ExecutionQueue } })).toThrow(
      /option 'routes.gpu' must be an ExecutionQueue/,
    );
  });
});
