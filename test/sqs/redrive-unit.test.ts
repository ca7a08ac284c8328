// Unit tests of redriveDeadLetters on its error paths, with a stubbed SQS client: a message is
// deleted from the dead-letter queue only once the task queue has it.
import { describe, expect, it } from 'vitest';
import { SqsQueueError, decodeTaskEnvelope, encodeTaskEnvelope, redriveDeadLetters } from 'mazepa/sqs';
import { stubClient } from './stub-client.js';

const POLICY = JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:t-dlq', maxReceiveCount: 5 });

/** The message of task `name` of task queue `t` (names starting with `x-`: another application's message). */
function body(name: string): string {
  if (name.startsWith('x-')) return `{"order":"${name}"}`;
  const replyTo = 'http://h/000/t-out-e-0a1b2c';
  return encodeTaskEnvelope({ executionId: 'e', taskId: name, operationName: 'op', attempt: 1, replyTo, args: [] });
}

/** The task name of a message `body` made. */
function nameOf(text: string): string {
  return text.startsWith('{"order"') ? (JSON.parse(text) as { order: string }).order : decodeTaskEnvelope(text).taskId;
}

/**
 * A task queue `t` whose dead-letter queue `t-dlq` gives the messages of the tasks named in
 * `batches` (then nothing), sends answered by `send` with the task names.
 */
function queues(batches: string[][], send: (names: string[]) => unknown) {
  return stubClient((name, input) => {
    if (name === 'GetQueueUrl') return { QueueUrl: `http://h/000/${input.QueueName}` };
    if (name === 'GetQueueAttributes') return { Attributes: { RedrivePolicy: POLICY } };
    if (name === 'ReceiveMessage') {
      const names = batches.shift() ?? [];
      return {
        Messages: names.map((n, i) => ({ MessageId: `m-${n}`, ReceiptHandle: `r-${n}-${i}`, Body: body(n) })),
      };
    }
    if (name === 'SendMessageBatch') {
      return send(input.Entries.map((e: { MessageBody: string }) => nameOf(e.MessageBody)));
    }
    return {};
  });
}

describe('redriveDeadLetters', () => {
  it('should delete nothing from the dead-letter queue when the send fails, and release the messages', async () => {
    const { client, sent } = queues([['a', 'b', 'c']], () => {
      throw Object.assign(new Error('denied'), { name: 'AccessDenied' });
    });
    const error = await redriveDeadLetters({ queueName: 't', client }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SqsQueueError);
    expect((error as Error).message).toMatch(
      /^Moving dead letters from 't-dlq' to 't' stopped after 0 message\(s\).*denied/,
    );
    expect(sent.filter((c) => c.name === 'DeleteMessageBatch')).toEqual([]);
    const released = sent.filter((c) => c.name === 'ChangeMessageVisibilityBatch');
    expect(released.map((c) => c.input.Entries.map((e: { VisibilityTimeout: number }) => e.VisibilityTimeout))).toEqual(
      [[0, 0, 0]],
    );
  });

  it('should delete only the messages the task queue took when a batch is sent in part', async () => {
    const { client, sent } = queues([['a', 'b', 'c']], () => ({
      Failed: [{ Id: '1', SenderFault: true, Code: 'InvalidMessageContents', Message: 'no' }],
    }));
    const error = await redriveDeadLetters({ queueName: 't', client }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/stopped after 2 message\(s\).*InvalidMessageContents/);
    const deleted = sent.filter((c) => c.name === 'DeleteMessageBatch');
    expect(deleted.map((c) => c.input.Entries.map((e: { ReceiptHandle: string }) => e.ReceiptHandle))).toEqual([
      ['r-a-0', 'r-c-2'],
    ]);
    const released = sent.filter((c) => c.name === 'ChangeMessageVisibilityBatch');
    expect(released.map((c) => c.input.Entries.map((e: { ReceiptHandle: string }) => e.ReceiptHandle))).toEqual([
      ['r-b-1'],
    ]);
  });

  it('should not move again a message that failed again and came back during the pass', async () => {
    const moved: string[] = [];
    const { client } = queues(
      [
        ['a', 'b'],
        ['a', 'c'],
      ],
      (bodies) => {
        moved.push(...bodies);
        return {};
      },
    );
    expect(await redriveDeadLetters({ queueName: 't', client })).toBe(3);
    expect(moved).toEqual(['a', 'b', 'c']);
  });

  it("should move only this task queue's task messages, and leave the others, counted and visible again (finding 10)", async () => {
    const moved: string[] = [];
    const { client, sent } = queues(
      [
        ['a', 'x-1', 'b'],
        ['x-2', 'c'],
      ],
      (names) => {
        moved.push(...names);
        return {};
      },
    );
    let left: number | undefined;
    expect(await redriveDeadLetters({ queueName: 't', client, onLeft: (n) => (left = n) })).toBe(3);
    expect(moved).toEqual(['a', 'b', 'c']);
    expect(left).toBe(2);
    const deleted = sent.filter((c) => c.name === 'DeleteMessageBatch');
    expect(deleted.flatMap((c) => c.input.Entries.map((e: { ReceiptHandle: string }) => e.ReceiptHandle))).toEqual([
      'r-a-0',
      'r-b-2',
      'r-c-1',
    ]);
    const released = sent.filter((c) => c.name === 'ChangeMessageVisibilityBatch');
    expect(released.map((c) => c.input.Entries.map((e: { ReceiptHandle: string }) => e.ReceiptHandle))).toEqual([
      ['r-x-1-1', 'r-x-2-0'],
    ]);
  });
});
