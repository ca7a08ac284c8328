// Unit tests of where a worker sends outcomes, with a stubbed SQS client: a forged reply address
// must not make it send (signed) requests to another host or account.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { taskableOperation } from 'mazepa';
import { SqsExecutionQueue, encodeTaskEnvelope, runWorker, type WorkerEvent } from 'mazepa/sqs';
import { isOutcomeQueueUrl } from '../../src/adapters/sqs/calls/queue-names.js';
import { isOutcomePack, unpackOutcomes } from '../../src/adapters/sqs/messages/outcome-pack.js';
import { idlePoll, stubClient } from './stub-client.js';

const KEY = 'reply-test-key';
const ACCOUNT_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012';
const TASK_QUEUE_URL = `${ACCOUNT_URL}/tasks`;
const OUTCOME_QUEUE_URL = `${ACCOUNT_URL}/tasks-out-e-a1b2c3`;

taskableOperation(
  function replyTestDouble(n: number): number {
    return 2 * n;
  },
  { operationName: 'reply-test-double' },
);

function taskMessage(
  taskId: string,
  replyTo: string,
  options: { signingKey?: string; operationName?: string } = {},
): { MessageId: string; ReceiptHandle: string; Body: string } {
  const envelope = {
    executionId: 'e',
    taskId,
    operationName: options.operationName ?? 'reply-test-double',
    attempt: 1,
    replyTo,
    args: [21],
  };
  const Body = encodeTaskEnvelope(envelope, { signingKey: options.signingKey ?? KEY });
  return { MessageId: `m-${taskId}`, ReceiptHandle: `r-${taskId}`, Body };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('isOutcomeQueueUrl', () => {
  it('should accept only the same origin and account, and the outcome prefix', () => {
    const ok = (url: string): boolean => isOutcomeQueueUrl(url, TASK_QUEUE_URL, 'tasks-out-');
    expect(ok(OUTCOME_QUEUE_URL)).toBe(true);
    expect(isOutcomeQueueUrl(OUTCOME_QUEUE_URL, `${TASK_QUEUE_URL}/`, 'tasks-out-')).toBe(true);
    // Same origin, but not in normal form: the URL checked must be the URL used.
    expect(ok('https://SQS.us-east-1.amazonaws.com:443/123456789012/tasks-out-e')).toBe(false);
    expect(ok(`${ACCOUNT_URL}/x/../tasks-out-e`)).toBe(false);
    expect(ok(`${ACCOUNT_URL}/./tasks-out-e`)).toBe(false);
    expect(ok(`${ACCOUNT_URL}/tasks-out-e#`)).toBe(false);
    expect(ok('http://127.0.0.1:9/123/tasks-out-x')).toBe(false);
    expect(ok('http://sqs.us-east-1.amazonaws.com/123456789012/tasks-out-e')).toBe(false);
    expect(ok('https://sqs.us-east-1.amazonaws.com:8443/123456789012/tasks-out-e')).toBe(false);
    expect(ok('https://sqs.us-east-1.amazonaws.com.evil.example/123456789012/tasks-out-e')).toBe(false);
    expect(ok('https://user@sqs.us-east-1.amazonaws.com/123456789012/tasks-out-e')).toBe(false);
    expect(ok('https://sqs.us-east-1.amazonaws.com/999999999999/tasks-out-e')).toBe(false);
    expect(ok('https://sqs.us-east-1.amazonaws.com/123456789012/x/tasks-out-e')).toBe(false);
    expect(ok('https://sqs.us-east-1.amazonaws.com/123456789012/../999999999999/tasks-out-e')).toBe(false);
    expect(ok('https://sqs.us-east-1.amazonaws.com/123456789012/tasks-out-e?Action=x')).toBe(false);
    expect(ok('https://sqs.us-east-1.amazonaws.com/123456789012/tasks-out-%2e')).toBe(false);
    expect(ok(`${ACCOUNT_URL}/other-out-e`)).toBe(false);
    expect(ok('tasks-out-e')).toBe(false);
    expect(ok('file:///123456789012/tasks-out-e')).toBe(false);
  });
});

describe('runWorker', () => {
  it('should reply only to outcome queues of its task queue, and never to a wrongly signed task', async () => {
    const messages = [
      taskMessage('valid', OUTCOME_QUEUE_URL),
      taskMessage('other-host', 'http://127.0.0.1:9/123456789012/tasks-out-x'),
      taskMessage('other-port', 'https://sqs.us-east-1.amazonaws.com:8443/123456789012/tasks-out-x'),
      taskMessage('other-account', 'https://sqs.us-east-1.amazonaws.com/999999999999/tasks-out-x'),
      taskMessage('other-name', `${ACCOUNT_URL}/elsewhere-out-x`),
      taskMessage('forged', OUTCOME_QUEUE_URL, { signingKey: 'not-the-key' }),
      taskMessage('unknown-op', OUTCOME_QUEUE_URL, { operationName: 'reply-test-nowhere' }),
      taskMessage('unknown-op-other-host', 'http://127.0.0.1:9/123/tasks-out-x', { operationName: 'nowhere' }),
    ];
    let received = false;
    const { client, sent } = stubClient((name, _input, signal) => {
      if (name === 'ReceiveMessage') {
        if (received) return idlePoll(signal, stop.signal);
        received = true;
        return { Messages: messages };
      }
      return {};
    });
    const queue = new SqsExecutionQueue({
      queueUrl: TASK_QUEUE_URL,
      client,
      signingKey: KEY,
      visibilityTimeoutSec: 30,
    });
    const stop = new AbortController();
    const events: WorkerEvent[] = [];
    const onEvent = (event: WorkerEvent): void => {
      events.push(event);
      const handled = events.filter((e) => e.type === 'task_finished' || e.type === 'message_rejected');
      if (handled.length === messages.length) stop.abort();
    };
    const summary = await runWorker({ queue, concurrency: 10, signal: stop.signal, onEvent });

    expect(summary).toMatchObject({ succeeded: 1, failed: 0, rejected: 7 });
    const replies = sent.filter((s) => s.name === 'SendMessageBatch');
    expect(replies.map((s) => s.input.QueueUrl)).toEqual(replies.map(() => OUTCOME_QUEUE_URL));
    // Two outcomes ('valid' and 'unknown-op'), alone or packed in one message.
    const bodies = replies.flatMap((s) => s.input.Entries.map((e: { MessageBody: string }) => e.MessageBody));
    const outcomes = bodies.flatMap((b: string) => (isOutcomePack(b) ? unpackOutcomes(b) : [b]));
    expect(outcomes.map((b: string) => JSON.parse(b).taskId).sort()).toEqual(['unknown-op', 'valid']);
    const rejected = events.filter((e) => e.type === 'message_rejected');
    expect(Object.fromEntries(rejected.map((e) => [e.taskId, e.reported]))).toEqual({
      'other-host': false,
      'other-port': false,
      'other-account': false,
      'other-name': false,
      forged: false,
      'unknown-op': true,
      'unknown-op-other-host': false,
    });
    expect(rejected.find((e) => e.taskId === 'other-host')?.reason).toMatch(
      /reply address http:\/\/127\.0\.0\.1:9\/.* is not an outcome queue of 'tasks'/,
    );
    expect(rejected.find((e) => e.taskId === 'forged')?.reason).toMatch(/signature that does not match/);
    // Only messages whose outcome went out are deleted; the others are left to the dead-letter queue.
    const deleted = sent.filter((s) => s.name === 'DeleteMessageBatch').flatMap((s) => s.input.Entries);
    expect(deleted.map((e: { ReceiptHandle: string }) => e.ReceiptHandle).sort()).toEqual(['r-unknown-op', 'r-valid']);
  });
});

describe('SqsExecutionQueue', () => {
  it('should make a client that sends to its endpoint, not to the host a queue URL names', async () => {
    // Credentials are resolved before the request is built; nothing is sent.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    vi.stubEnv('AWS_ENDPOINT_URL_SQS', undefined);
    vi.stubEnv('AWS_ENDPOINT_URL', undefined);
    const queue = new SqsExecutionQueue({ queueUrl: TASK_QUEUE_URL, region: 'us-east-1', visibilityTimeoutSec: 30 });
    const { client } = await queue.connect();
    let host: string | undefined;
    client.middlewareStack.add(
      () => async (args) => {
        host = (args.request as { hostname?: string }).hostname;
        throw new Error('stopped before sending');
      },
      { step: 'build', priority: 'high', name: 'recordHost' },
    );
    const command = new ReceiveMessageCommand({ QueueUrl: 'http://127.0.0.1:9/123/tasks-out-x' });
    await expect(client.send(command)).rejects.toThrow(/stopped before sending/);
    expect(host).toBe('sqs.us-east-1.amazonaws.com');
    await queue.close();
  });
});
