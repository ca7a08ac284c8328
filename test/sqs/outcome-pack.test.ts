// Outcomes packed several to a message: each is read as if it had come alone.
import { describe, expect, it } from 'vitest';
import type { OutcomeReport } from 'mazepa';
import { SqsExecutionQueue, type SqsQueueEvent } from 'mazepa/sqs';
import { outcomeMessage } from '../../src/adapters/remote/outcome-message.js';
import { MAX_MESSAGE_BYTES } from '../../src/flows/envelope-text.js';
import {
  isOutcomePack,
  packedBytes,
  packFits,
  packOutcomes,
  unpackOutcomes,
} from '../../src/adapters/sqs/outcome-pack.js';
import { idlePoll, stubClient } from './stub-client.js';

const KEY = 'pack-test-key';

function outcome(taskId: string, executionId = 'e', signingKey = KEY): string {
  const to = { replyTo: 'unused', executionId, taskId, attempt: 3 };
  return outcomeMessage(to, { returnValue: `${taskId} "done"`, executionSecs: 1 }, signingKey).body;
}

describe('outcome packs', () => {
  it('should pack and unpack outcome messages exactly, and measure what fits', () => {
    const bodies = [outcome('a'), outcome('b'), 'x\uffff"y'];
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

  it('should report every outcome of a pack, failing only the task of a forged one', async () => {
    const pack = packOutcomes([outcome('t-1'), outcome('t-forged', 'e', 'not-the-key'), outcome('t-2')]);
    const bodies = { broken: '{"v":1,"kind":"outcomes","outcomes":"no"}', pack };
    let received = false;
    const { client } = stubClient((name, input, signal) => {
      if (name === 'CreateQueue') return { QueueUrl: `http://h/000/${input.QueueName}` };
      if (name !== 'ReceiveMessage') return {};
      if (received) return idlePoll(signal);
      received = true;
      return { Messages: Object.entries(bodies).map(([id, Body]) => ({ MessageId: id, ReceiptHandle: id, Body })) };
    });
    const events: SqsQueueEvent[] = [];
    const queue = new SqsExecutionQueue({
      queueName: 'q',
      client,
      signingKey: KEY,
      outcomeReceivers: 1,
      onEvent: (e) => events.push(e),
    });
    const reports: OutcomeReport[] = [];
    const all = new Promise<void>((resolve) => {
      const subscription = queue.outcomes('e').subscribe((r) => {
        reports.push(r);
        if (reports.length === 3) {
          subscription.unsubscribe();
          resolve();
        }
      });
    });
    await all;
    await queue.close();
    expect(reports.map((r) => [r.taskId, r.attempt, r.outcome.error === undefined])).toEqual([
      ['t-1', 3, true],
      ['t-forged', 3, false],
      ['t-2', 3, true],
    ]);
    expect(reports[2]!.outcome.returnValue).toBe('t-2 "done"');
    expect(reports[1]!.outcome.error?.message).toMatch(/signature that does not match/);
    const rejected = events.filter((e) => e.type === 'outcome_rejected');
    expect(rejected.map((e) => [e.messageId, e.taskId, e.failedTask])).toEqual([
      ['broken', undefined, false],
      ['pack', 't-forged', true],
    ]);
    expect((rejected[0] as { reason: string }).reason).toMatch(/not a valid outcome pack/);
  });
});
