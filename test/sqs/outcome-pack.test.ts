// Outcomes packed several to a message: each is read as if it had come alone.
import { describe, expect, it } from 'vitest';
import { taskableOperation, type OutcomeReport } from 'mazepa';
import { SqsExecutionQueue, type SqsQueueEvent } from 'mazepa/sqs';
import { outcomeMessage } from '../../src/adapters/remote/outcome-message.js';
import { MAX_MESSAGE_BYTES } from '../../src/adapters/remote/envelope-text.js';
import {
  isOutcomePack,
  packedBytes,
  packFits,
  packOutcomes,
  unpackOutcomes,
} from '../../src/adapters/sqs/messages/outcome-pack.js';
import { idlePoll, stubClient } from './stub-client.js';

const KEY = 'pack-test-key';

// SQS takes only tasks of registered operations.
const echo = taskableOperation((n: number) => n, { operationName: 'outcome-pack-echo' });

function outcome(taskId: string, run: string, executionId = 'e', signingKey: string | undefined = KEY): string {
  const to = { replyTo: 'unused', executionId, taskId, attempt: 3, run };
  return outcomeMessage(to, { returnValue: `${taskId} "done"`, executionSecs: 1 }, signingKey).body;
}

describe('outcome packs', () => {
  it('should pack and unpack outcome messages exactly, and measure what fits', () => {
    const bodies = [outcome('a', 'r'), outcome('b', 'r'), 'x\uffff"y'];
    const pack = packOutcomes(bodies);
    expect(isOutcomePack(pack)).toBe(true);
    expect(isOutcomePack(bodies[0])).toBe(false);
    expect(unpackOutcomes(pack)).toEqual(bodies);
    expect(Buffer.byteLength(pack)).toBeLessThanOrEqual(
      packOutcomes([]).length + bodies.reduce((sum, b) => sum + packedBytes(b), 0),
    );
    const big = 'z'.repeat(MAX_MESSAGE_BYTES / 2);
    expect(packFits([packedBytes(big)])).toBe(true);
    expect(packFits([packedBytes(big), packedBytes(big)])).toBe(false);
    expect(() => unpackOutcomes('{"v":1,"kind":"outcomes","outcomes":[1]}')).toThrow(/array of strings/);
    expect(() => unpackOutcomes('{"v":1,"kind":"outcomes","outcomes":[],"x":1}')).toThrow(/unknown field "x"/);
  });

  it('should report every verified outcome of a pack of this run; with a key a forged one fails no task', async () => {
    const { reports, rejected } = await receive(KEY, (run) => ({
      broken: '{"v":1,"kind":"outcomes","outcomes":"no"}',
      pack: packOutcomes([
        outcome('t-1', run),
        outcome('t-forged', run, 'e', 'not-the-key'),
        outcome('t-stale', 'a-token-of-an-earlier-run'),
        outcome('t-2', run),
      ]),
    }));
    expect(reports.map((r) => [r.taskId, r.attempt, r.outcome.error === undefined])).toEqual([
      ['t-1', 3, true],
      ['t-2', 3, true],
    ]);
    expect(reports[1]!.outcome.returnValue).toBe('t-2 "done"');
    expect(rejected.map((e) => [e.messageId, e.taskId, e.failedTask])).toEqual([
      ['broken', undefined, false],
      ['pack', 't-forged', false],
      ['pack', 't-stale', false],
    ]);
    expect(rejected[0]!.reason).toMatch(/not a valid outcome pack/);
    expect(rejected[1]!.reason).toMatch(/signature that does not match/);
    expect(rejected[2]!.reason).toBe('an outcome of another run of execution e');
  });

  it('should fail only the task of an unreadable outcome in a pack when no signing key is set', async () => {
    const { reports, rejected } = await receive(undefined, (run) => ({
      pack: packOutcomes([
        outcome('t-1', run, 'e', undefined),
        outcome('t-bad', run, 'e', undefined).replace('"executionSecs":1', '"executionSecs":"one"'),
        outcome('t-2', run, 'e', undefined),
      ]),
    }));
    expect(reports.map((r) => [r.taskId, r.attempt, r.outcome.error === undefined])).toEqual([
      ['t-1', 3, true],
      ['t-bad', 3, false],
      ['t-2', 3, true],
    ]);
    expect(reports[1]!.outcome.error?.message).toMatch(/not a valid outcome/);
    expect(rejected.map((e) => [e.messageId, e.taskId, e.failedTask])).toEqual([['pack', 't-bad', true]]);
  });
});

/**
 * Receives the messages `bodies` makes (given the run token of execution `e`) once, on an
 * outcome queue with a stubbed client, until every message is deleted.
 */
async function receive(
  signingKey: string | undefined,
  bodies: (run: string) => Record<string, string>,
): Promise<{ reports: OutcomeReport[]; rejected: Extract<SqsQueueEvent, { type: 'outcome_rejected' }>[] }> {
  let token: (run: string) => void = () => undefined;
  const run = new Promise<string>((resolve) => (token = resolve));
  let deleted: () => void = () => undefined;
  const deletes = new Promise<void>((resolve) => (deleted = resolve));
  let received = false;
  const { client, sent } = stubClient(async (name, input, signal) => {
    if (name === 'CreateQueue' || name === 'GetQueueUrl') return { QueueUrl: `http://h/000/${input.QueueName}` };
    if (name === 'DeleteMessageBatch') deleted();
    if (name !== 'ReceiveMessage') return {};
    if (received) return idlePoll(signal);
    received = true;
    const messages = Object.entries(bodies(await run));
    return { Messages: messages.map(([id, Body]) => ({ MessageId: id, ReceiptHandle: id, Body })) };
  });
  const events: SqsQueueEvent[] = [];
  const queue = new SqsExecutionQueue({
    queueName: 'q',
    client,
    ...(signingKey === undefined ? {} : { signingKey }),
    outcomeReceivers: 1,
    onEvent: (e) => events.push(e),
  });
  const reports: OutcomeReport[] = [];
  const subscription = queue.outcomes('e').subscribe((r) => reports.push(r));
  const task = echo.makeTask(1);
  task.executionId = 'e';
  await queue.pushTasks([task]);
  const batch = sent.find((s) => s.name === 'SendMessageBatch')!;
  token((JSON.parse(batch.input.Entries[0].MessageBody as string) as { run: string }).run);
  await deletes; // every message is handled before its deletion
  subscription.unsubscribe();
  await queue.close();
  return { reports, rejected: events.filter((e) => e.type === 'outcome_rejected') };
}
