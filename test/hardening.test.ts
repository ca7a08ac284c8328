// Hardening of what crosses a process boundary: option values, envelopes, signatures, errors.
import { describe, expect, it } from 'vitest';
import { Task, taskableOperation } from 'mazepa';
import { EnvelopeError, decodeTaskEnvelope, encodeTaskEnvelope } from 'mazepa/sqs';
import { prepareTask } from '../src/adapters/remote/prepare-task.js';
import { readOutcome } from '../src/adapters/sqs/orchestrator/outcome-decode.js';
import { outcomeMessage } from '../src/adapters/remote/outcome-message.js';
import { decodeValue } from '../src/flows/codec/index.js';
import { serializeError } from '../src/flows/serialized-error.js';

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

describe('signatures', () => {
  const KEY = 'hardening-key';
  const signed = encodeTaskEnvelope({ ...TASK, args: [0] }, { signingKey: KEY });
  const sig = (JSON.parse(signed) as { sig: string }).sig;

  it('should verify only the canonical encoding of a signature', () => {
    expect(decodeTaskEnvelope(signed, { signingKey: KEY }).args).toEqual([0]);
    for (const other of [`${sig}=`, `${sig}!!`, `${sig}\n`, ` ${sig}`]) {
      const text = signed.replace(`"sig":"${sig}"`, `"sig":${JSON.stringify(other)}`);
      expect(() => decodeTaskEnvelope(text, { signingKey: KEY })).toThrow(/signature that does not match/);
    }
  });

  it('should sign what the codec decodes: -0 is not 0', () => {
    const flipped = signed.replace('"args":[0]', '"args":[-0]');
    expect(flipped).not.toBe(signed);
    expect(() => decodeTaskEnvelope(flipped, { signingKey: KEY })).toThrow(/signature that does not match/);
  });

  it('should refuse deep nesting with an EnvelopeError before hashing it', () => {
    const depth = 100_000;
    const deep = signed.replace('"args":[0]', `"args":${'['.repeat(depth)}${']'.repeat(depth)}`);
    expect(() => decodeTaskEnvelope(deep, { signingKey: KEY })).toThrow(EnvelopeError);
    expect(() => decodeTaskEnvelope(deep, { signingKey: KEY })).toThrow(/deeper than/);
  });
});

describe('errors that travel', () => {
  it('should refuse an encoded error whose props would replace its name, message, stack or cause', () => {
    for (const key of ['name', 'message', 'stack', 'cause']) {
      const encoded = { $t: 'error', v: { name: 'Error', message: 'm', props: { [key]: { toString: 1 } } } };
      expect(() => decodeValue(encoded)).toThrow(new RegExp(`"props" has the forbidden key "${key}"`));
    }
    const fine = decodeValue({ $t: 'error', v: { name: 'Error', message: 'm', props: { code: 'E1' } } });
    expect(fine).toMatchObject({ message: 'm', code: 'E1' });
  });

  it('should serialize any thrown value to strings, without throwing', () => {
    const hostile = new Error('m');
    Object.defineProperty(hostile, 'name', { value: Object.create(null) as object });
    Object.defineProperty(hostile, 'message', {
      get() {
        throw new Error('no');
      },
    });
    const shapes = [
      serializeError(hostile),
      serializeError(Object.assign(new Error('x'), { name: { a: 1 } })),
      serializeError(Object.create(null)),
      serializeError(
        new Proxy(
          {},
          {
            get: () => {
              throw new Error('trap');
            },
            getPrototypeOf: () => {
              throw new Error('trap');
            },
          },
        ),
      ),
    ];
    for (const shape of shapes) {
      expect(typeof shape.name).toBe('string');
      expect(typeof shape.message).toBe('string');
    }
    const address = { replyTo: 'q', executionId: 'e', taskId: 't', attempt: 1 };
    const { body, failed } = outcomeMessage(address, { error: shapes[1]!, executionSecs: 0 }, undefined);
    expect(failed).toBe(true);
    expect(body).toContain('[object Object]');
  });
});

describe('unreadable outcome messages', () => {
  const read = (fields: object, signingKey?: string) =>
    readOutcome(JSON.stringify({ v: 1, kind: 'outcome', ...fields }), {
      queueName: 'q-out-e',
      executionId: 'e',
      run: 'R',
      signingKey,
    });

  it('should fail the task one names only without a key, and only with its execution, run and attempt', () => {
    const named = { executionId: 'e', run: 'R', taskId: 't', attempt: 2 };
    expect(read(named).report).toMatchObject({ taskId: 't', attempt: 2 });
    expect(read(named).report?.outcome.error?.message).toMatch(/received an outcome of task t that is not a valid/);
    // Without its attempt a failure could be a stale one: it only is rejected.
    expect(read({ ...named, attempt: undefined }).report).toBeUndefined();
    expect(read({ ...named, attempt: 'x' }).report).toBeUndefined();
    expect(read({ ...named, run: 'earlier' }).report).toBeUndefined();
    expect(read({ ...named, run: undefined }).report).toBeUndefined();
    expect(read({ ...named, executionId: 'other' }).report).toBeUndefined();
    // With a signing key, nothing unverified touches a task.
    expect(read(named, 'k')).toMatchObject({ report: undefined, taskId: 't' });
    expect(read(named, 'k').rejected).toMatch(/not signed/);
  });
});
