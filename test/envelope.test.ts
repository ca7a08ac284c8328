import fc from 'fast-check';
import { MAX_TIMER_MS } from '../src/flows/task.js';
import { prepareTask } from '../src/adapters/remote/prepare-task.js';
import { describe, expect, it } from 'vitest';
import { CodecError, Task, taskableOperation } from 'mazepa';
import {
  ENVELOPE_VERSION,
  EnvelopeError,
  MAX_MESSAGE_BYTES,
  decodeOutcomeEnvelope,
  decodeTaskArgs,
  decodeTaskEnvelope,
  encodeOutcomeEnvelope,
  encodeTaskEnvelope,
  taskEnvelopeOf,
  type TaskEnvelope,
} from 'mazepa/sqs';

const scale = taskableOperation(function scaleForEnvelopeTest(factor: number, when: Date, ids: Set<bigint>) {
  return [factor, when, ids];
});

function sample(): Task {
  const task = scale.makeTask(-0, new Date(5), new Set([1n, 2n]));
  task.executionId = 'exec-1';
  task.attempt = 3;
  return task;
}

const REPLY = 'http://sqs.local/000/q-out-exec-1';

describe('encodeTaskEnvelope', () => {
  it('should round-trip a task through its message, arguments included', () => {
    const text = encodeTaskEnvelope(taskEnvelopeOf(sample(), REPLY));
    const envelope = decodeTaskEnvelope(text);
    expect(envelope).toMatchObject({
      executionId: 'exec-1',
      attempt: 3,
      replyTo: REPLY,
      operationName: 'scaleForEnvelopeTest',
    });
    const { args } = decodeTaskArgs(envelope);
    expect(Object.is(args[0], -0)).toBe(true);
    expect(args[1]).toEqual(new Date(5));
    expect(args[2]).toEqual(new Set([1n, 2n]));
  });

  it('should carry class operations’ constructor arguments and the runtime limit', () => {
    const task = new Task({
      fn: () => 1,
      operationName: 'op',
      constructorArgs: [new Map([[1, 2]])],
      runtimeLimitMs: 50,
    });
    task.executionId = 'e';
    const envelope = decodeTaskEnvelope(encodeTaskEnvelope(taskEnvelopeOf(task, REPLY)));
    expect(envelope.runtimeLimitMs).toBe(50);
    expect(decodeTaskArgs(envelope).constructorArgs).toEqual([new Map([[1, 2]])]);
  });

  it('should refuse an argument the codec cannot encode, naming its path', () => {
    const task = new Task({ fn: (_o: unknown) => 1, operationName: 'op', args: [{ cb: () => 1 }], id: 'fixed' });
    task.executionId = 'e';
    expect(() => taskEnvelopeOf(task, REPLY)).toThrow(/args\[0\]\.cb is a function/);
  });

  it('should sign, and refuse a wrong or missing signature', () => {
    const text = encodeTaskEnvelope(taskEnvelopeOf(sample(), REPLY), { signingKey: 'k1' });
    expect(decodeTaskEnvelope(text, { signingKey: 'k1' }).taskId).toBe(sample().id);
    expect(() => decodeTaskEnvelope(text, { signingKey: 'k2' })).toThrow(/signature that does not match/);
    const unsigned = encodeTaskEnvelope(taskEnvelopeOf(sample(), REPLY));
    expect(() => decodeTaskEnvelope(unsigned, { signingKey: 'k1' })).toThrow(/not signed/);
    const tampered = text.replace('"attempt":3', '"attempt":4');
    expect(() => decodeTaskEnvelope(tampered, { signingKey: 'k1' })).toThrow(EnvelopeError);
  });

  it('should verify a signed message whatever the order of its fields (a relay may write them anew)', () => {
    const text = encodeTaskEnvelope(taskEnvelopeOf(sample(), REPLY), { signingKey: 'k1' });
    const fields = JSON.parse(text) as Record<string, unknown>;
    const reversed = JSON.stringify(Object.fromEntries(Object.entries(fields).reverse()));
    expect(reversed).not.toBe(text);
    expect(decodeTaskEnvelope(reversed, { signingKey: 'k1' })).toEqual(decodeTaskEnvelope(text, { signingKey: 'k1' }));
  });
});

describe('decodeTaskEnvelope round trip', () => {
  it('should give back any envelope it is given, signed or not', () => {
    const text = fc.string({ minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(
        fc.record({ executionId: text, taskId: text, operationName: text, replyTo: text }),
        fc.integer({ min: 1, max: 1000 }),
        fc.array(fc.jsonValue()),
        fc.option(fc.string({ minLength: 1 }), { nil: undefined }),
        (ids, attempt, args, signingKey) => {
          const envelope: TaskEnvelope = { ...ids, attempt, args: args as TaskEnvelope['args'] };
          const decoded = decodeTaskEnvelope(encodeTaskEnvelope(envelope, { signingKey }), { signingKey });
          expect(decoded).toEqual({ ...envelope, args: JSON.parse(JSON.stringify(args)) });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('decodeTaskEnvelope', () => {
  const valid = JSON.parse(encodeTaskEnvelope(taskEnvelopeOf(sample(), REPLY))) as Record<string, unknown>;
  const refuses = (fields: Record<string, unknown>, message: RegExp): void => {
    expect(() => decodeTaskEnvelope(JSON.stringify(fields))).toThrow(message);
  };

  it('should refuse unknown versions, missing and mistyped fields, unknown fields', () => {
    refuses({ ...valid, v: 4 }, /version 4; this mazepa reads versions 1 to 3/);
    refuses({ ...valid, kind: 'outcome' }, /kind "outcome"/);
    const { taskId: _, ...noId } = valid;
    refuses(noId, /field "taskId" must be a non-empty string/);
    refuses({ ...valid, attempt: 0 }, /field "attempt" must be a whole number >= 1/);
    refuses({ ...valid, args: 'x' }, /field "args" must be an array/);
    refuses({ ...valid, extra: 1 }, /unknown field "extra"/);
  });

  it('should refuse a runtime limit longer than a timer can hold, and take the longest one that fits', () => {
    refuses({ ...valid, runtimeLimitMs: MAX_TIMER_MS + 1 }, /"runtimeLimitMs" must be at most 2147483647/);
    expect(decodeTaskEnvelope(JSON.stringify({ ...valid, runtimeLimitMs: MAX_TIMER_MS })).runtimeLimitMs).toBe(
      MAX_TIMER_MS,
    );
  });

  it('should refuse __proto__ keys, bad JSON, non-strings and oversize texts', () => {
    const text = encodeTaskEnvelope(taskEnvelopeOf(sample(), REPLY)).replace('{', '{"__proto__":{"x":1},');
    expect(() => decodeTaskEnvelope(text)).toThrow(/forbidden key "__proto__"/);
    expect(() => decodeTaskEnvelope('{"v":1,')).toThrow(/not valid JSON/);
    expect(() => decodeTaskEnvelope(42)).toThrow(/must be a string/);
    expect(() => decodeTaskEnvelope(' '.repeat(MAX_MESSAGE_BYTES + 1))).toThrow(
      /262145 bytes, over the limit of 262144/,
    );
  });

  it('should only ever throw the codec’s error type for mutated envelopes', () => {
    const base = encodeTaskEnvelope(taskEnvelopeOf(sample(), REPLY), { signingKey: 'k' });
    const mutated = fc.oneof(
      fc
        .tuple(fc.nat(base.length), fc.nat(40), fc.string())
        .map(([at, cut, insert]) => base.slice(0, at) + insert + base.slice(at + cut)),
      fc.nat(base.length).map((n) => base.slice(0, n)),
      fc.jsonValue().map((v) => JSON.stringify({ ...JSON.parse(base), args: [v] })),
      fc.dictionary(fc.string(), fc.jsonValue()).map((d) => JSON.stringify({ ...JSON.parse(base), ...d })),
      fc.string(),
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('utf8')),
    );
    fc.assert(
      fc.property(mutated, fc.boolean(), (text, signed) => {
        try {
          const envelope = decodeTaskEnvelope(text, signed ? { signingKey: 'k' } : {});
          decodeTaskArgs(envelope);
        } catch (error) {
          expect(error).toBeInstanceOf(CodecError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('encodeOutcomeEnvelope', () => {
  const base = { executionId: 'e', taskId: 't', attempt: 2, executionSecs: 0.5 };

  it('should round-trip a return value and an error with its cause', () => {
    const ok = decodeOutcomeEnvelope(encodeOutcomeEnvelope({ ...base, returnValue: { $t: 'bigint', v: '7' } }));
    expect(ok).toEqual({ executionId: 'e', taskId: 't', attempt: 2, outcome: { returnValue: 7n, executionSecs: 0.5 } });
    const error = { name: 'E', message: 'boom', stack: 'E: boom\n at x', cause: { name: 'C', message: 'root' } };
    const failed = decodeOutcomeEnvelope(encodeOutcomeEnvelope({ ...base, error }, { signingKey: 's' }), {
      signingKey: 's',
    });
    expect(failed.outcome).toEqual({ error, executionSecs: 0.5 });
  });

  it('should say an undefined return value is undefined, and be versioned', () => {
    const text = encodeOutcomeEnvelope(base);
    expect(JSON.parse(text)).toMatchObject({ v: ENVELOPE_VERSION - 1, kind: 'outcome' }); // outcomes stay version 2
    expect(decodeOutcomeEnvelope(text).outcome).toEqual({ returnValue: undefined, executionSecs: 0.5 });
  });

  it('should only ever throw the codec’s error type for mutated outcomes', () => {
    const text = encodeOutcomeEnvelope({ ...base, error: { name: 'E', message: 'm' } });
    fc.assert(
      fc.property(fc.nat(text.length), fc.string(), (at, insert) => {
        try {
          decodeOutcomeEnvelope(text.slice(0, at) + insert + text.slice(at + 1));
        } catch (error) {
          expect(error).toBeInstanceOf(CodecError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('prepareTask', () => {
  const limited = taskableOperation(
    function limitedForEnvelopeTest(x: number) {
      return x;
    },
    { runtimeLimitMs: 1000 },
  );
  const limitOf = (runtimeLimitMs: number | undefined): number | undefined => {
    const envelope = { ...taskEnvelopeOf(Object.assign(limited.makeTask(1), { executionId: 'e' }), REPLY) };
    const prepared = prepareTask(encodeTaskEnvelope({ ...envelope, runtimeLimitMs }), undefined);
    if (!prepared.ok) throw prepared.error;
    return prepared.task.runtimeLimitMs;
  };

  it("should let a message's runtime limit shorten the operation's own, never lengthen it", () => {
    expect(limitOf(undefined)).toBe(1000);
    expect(limitOf(200)).toBe(200);
    expect(limitOf(5000)).toBe(1000);
  });
});

describe('TaskEnvelope', () => {
  it('should escape the two characters SQS refuses in a body', () => {
    const envelope: TaskEnvelope = {
      executionId: 'e',
      taskId: 't',
      operationName: 'o',
      attempt: 1,
      replyTo: 'r',
      args: ['\uFFFE\uFFFF'],
    };
    const text = encodeTaskEnvelope(envelope);
    expect(text).not.toMatch(/[\uFFFE\uFFFF]/);
    expect(decodeTaskArgs(decodeTaskEnvelope(text)).args).toEqual(['\uFFFE\uFFFF']);
  });
});
