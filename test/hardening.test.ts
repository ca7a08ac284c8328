// Hardening of what crosses a process boundary: option values, envelopes, signatures, errors.
import { describe, expect, it } from 'vitest';
import { Task, taskableOperation } from 'mazepa';
import { EnvelopeError, decodeTaskEnvelope, encodeTaskEnvelope } from 'mazepa/sqs';
import { prepareTask } from '../src/adapters/remote/prepare-task.js';

const TASK = { executionId: 'e', taskId: 't', operationName: 'hardening-slow', attempt: 1, replyTo: 'q', args: [] };

taskableOperation(function hardeningSlow() {}, { operationName: 'hardening-slow', runtimeLimitMs: 50 });

describe('time limits', () => {
  it('should refuse runtimeLimitMs values a Node timer cannot hold, naming the option', () => {
    const fn = (): void => undefined;
    for (const bad of [Infinity, 2_147_483_648, 1e12, NaN, 0, -1]) {
      expect(() => new Task({ fn, runtimeLimitMs: bad })).toThrow(
        /Task: option 'runtimeLimitMs' must be a number > 0 and at most 2147483647/,
      );
      expect(() => taskableOperation(fn, { operationName: 'x', runtimeLimitMs: bad })).toThrow(
        /taskableOperation: option 'runtimeLimitMs'.*at most 2147483647/,
      );
    }
    expect(new Task({ fn, runtimeLimitMs: 2_147_483_647 }).runtimeLimitMs).toBe(2_147_483_647);
  });

  it('should refuse a task message whose runtimeLimitMs a timer cannot hold', () => {
    const text = encodeTaskEnvelope({ ...TASK, runtimeLimitMs: 2_147_483_648 });
    expect(() => decodeTaskEnvelope(text)).toThrow(EnvelopeError);
    expect(() => decodeTaskEnvelope(text)).toThrow(/runtimeLimitMs.*at most 2147483647/);
  });

  it("should never let a message's limit raise the operation's own limit", () => {
    const longer = prepareTask(encodeTaskEnvelope({ ...TASK, runtimeLimitMs: 1_000_000 }), undefined);
    const shorter = prepareTask(encodeTaskEnvelope({ ...TASK, runtimeLimitMs: 10 }), undefined);
    const none = prepareTask(encodeTaskEnvelope(TASK), undefined);
    expect(longer.ok && longer.task.runtimeLimitMs).toBe(50);
    expect(shorter.ok && shorter.task.runtimeLimitMs).toBe(10);
    expect(none.ok && none.task.runtimeLimitMs).toBe(50);
  });
});
