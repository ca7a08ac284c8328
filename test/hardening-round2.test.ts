// Hardening, round 2 (issue 17), the parts that need no queue server: the canonical signing form,
// time options past what one Node timer holds, `null` through threads and checkpoints, the
// orchestrator's warnings.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CheckpointError, ThreadExecutionQueue, execute, flowSchema, taskableOperation } from 'mazepa';
import {
  EnvelopeError,
  decodeOutcomeEnvelope,
  decodeTaskEnvelope,
  encodeOutcomeEnvelope,
  encodeTaskEnvelope,
} from 'mazepa/sqs';
import { outcomeMessage } from '../src/adapters/remote/outcome-message.js';
import { longTimeout } from '../src/adapters/sqs/worker/long-timeout.js';
import { queueEventListener } from '../src/adapters/sqs/orchestrator/queue-events.js';
import { threadEcho } from './fixtures/threads/operations.js';

const TASK = { executionId: 'e', taskId: 't', operationName: 'op', attempt: 1, replyTo: 'q', args: [null] };

describe('the canonical signing form (finding 8)', () => {
  it('should refuse a signed message whose null was rewritten as a number that is not finite', () => {
    const KEY = 'round-2';
    const signed = encodeTaskEnvelope(TASK, { signingKey: KEY });
    expect(decodeTaskEnvelope(signed, { signingKey: KEY }).args).toEqual([null]);
    for (const number of ['1e999', '-1e999']) {
      const forged = signed.replace('"args":[null]', `"args":[${number}]`);
      expect(forged).not.toBe(signed);
      expect(() => decodeTaskEnvelope(forged, { signingKey: KEY })).toThrow(EnvelopeError);
      expect(() => decodeTaskEnvelope(forged, { signingKey: KEY })).toThrow(/not finite/);
    }
  });
});

describe('time options past 2^31 - 1 ms (finding 9)', () => {
  afterEach(() => vi.useRealTimers());

  it('should refuse checkpointIntervalMs and terminateGraceMs a timer cannot hold, naming the option and its largest value', async () => {
    const flow = flowSchema(function* () {})();
    await expect(execute(flow, { checkpointIntervalMs: 3e9, showProgress: false })).rejects.toThrow(
      /option 'checkpointIntervalMs' must be a number > 0 and at most 2147483647/,
    );
    expect(() => new ThreadExecutionQueue({ threads: 1, imports: [], terminateGraceMs: 3e9 })).toThrow(
      /option 'terminateGraceMs' must be a number >= 0 and at most 2147483647/,
    );
  });

  it('should wait the whole of a long timeout, in several timers', () => {
    vi.useFakeTimers();
    const fired = vi.fn();
    longTimeout(fired, 2_200_000_000); // mazepa worker --max-runtime 2200000
    vi.advanceTimersByTime(2_147_483_647);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(2_200_000_000 - 2_147_483_647 - 1);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
    const cleared = vi.fn();
    longTimeout(cleared, 3e9).clear();
    vi.advanceTimersByTime(3e9);
    expect(cleared).not.toHaveBeenCalled();
  });
});

describe('null is null everywhere (finding 12)', () => {
  it('should send null back in an outcome message as null, and undefined as undefined', () => {
    const address = { replyTo: 'q', executionId: 'e', taskId: 't', attempt: 1 };
    const nullBody = outcomeMessage(address, { returnValue: null, executionSecs: 0 }, undefined).body;
    expect(decodeOutcomeEnvelope(nullBody).outcome).toHaveProperty('returnValue', null);
    const undefinedBody = outcomeMessage(address, { returnValue: undefined, executionSecs: 0 }, undefined).body;
    const decoded = decodeOutcomeEnvelope(undefinedBody).outcome;
    expect('returnValue' in decoded && decoded.returnValue).toBeUndefined();
    const encoded = encodeOutcomeEnvelope({ ...address, executionSecs: 0, returnValue: null });
    expect(decodeOutcomeEnvelope(encoded).outcome.returnValue).toBeNull();
  });

  it('should give null back through threads and from a checkpoint', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mazepa-null-'));
    const nothing = taskableOperation(function roundTwoNothing(value: unknown) {
      return value;
    });
    const results = flowSchema(function* () {
      const values: unknown[] = [];
      for (const value of [null, undefined]) values.push(yield* nothing.makeTask(value).result());
      return values;
    });
    try {
      const checkpoint = join(dir, 'run.ckpt');
      const first = await execute(results(), { checkpoint, showProgress: false });
      expect(first.result).toEqual([null, undefined]);
      const again = await execute(results(), { checkpoint, showProgress: false });
      expect(again.skipped).toBe(2);
      expect(again.result).toStrictEqual([null, undefined]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const threads = new ThreadExecutionQueue({ threads: 1, imports: ['./test/fixtures/threads/operations.ts'] });
    try {
      const task = threadEcho.makeTask(null);
      await execute(task, { queue: threads, showProgress: false });
      expect(task.outcome?.returnValue).toBeNull();
    } finally {
      await threads.close();
    }
  });
});

describe("the orchestrator's warnings (finding 5)", () => {
  it('should escape message text and give one warning of a kind per 10 s, counting the others', () => {
    let now = 0;
    const warnings: string[] = [];
    const listener = queueEventListener(
      undefined,
      (text) => warnings.push(text),
      () => now,
    );
    const rejected = {
      type: 'outcome_rejected',
      queueName: 'q-out-e',
      executionId: 'e',
      messageId: 'm\r\nmazepa: forged line',
      taskId: 't\u202e',
      reason: 'bad \u001b[31mred\u001b[0m',
      failedTask: true,
    } as const;
    for (let i = 0; i < 5333; i++) listener(rejected);
    expect(warnings).toHaveLength(1);
    now += 10_000;
    listener({ ...rejected, type: 'outcome_rejected' });
    listener({
      type: 'payload_not_deleted',
      queueName: 'q-out-e',
      bucket: 'b',
      key: 'k\n',
      error: new Error('\u0007'),
    });
    expect(warnings).toHaveLength(3);
    expect(warnings[1]).toMatch(/\(and 5332 more like it, not shown\)$/);
    for (const warning of warnings) {
      // eslint-disable-next-line no-control-regex -- control characters are what it looks for
      expect(warning).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
    }
    expect(warnings[0]).toContain('m\\r\\nmazepa: forged line');
    expect(warnings[0]).toContain('\\x1b[31m');
  });
});

describe('a checkpoint in use by a live run (finding 6)', () => {
  it('should refuse a second run naming the checkpoint and the live execution, let the first go on, and take over a dead holder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mazepa-lock-'));
    const checkpoint = join(dir, 'shared.ckpt');
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const held = taskableOperation(async function roundTwoHeld() {
      started();
      await gate;
      return 'first';
    });
    try {
      const first = execute(held.makeTask(), { checkpoint, executionId: 'first-run', showProgress: false });
      await running;
      const second = await execute(held.makeTask(), {
        checkpoint,
        executionId: 'second-run',
        showProgress: false,
      }).catch((e: unknown) => e);
      expect(second).toBeInstanceOf(CheckpointError);
      expect((second as Error).message).toContain(
        `The checkpoint ${checkpoint} is in use by execution first-run (pid ${process.pid},`,
      );
      open();
      expect((await first).succeeded).toBe(1);
      await expect(readFile(`${checkpoint}.lock`)).rejects.toThrow(/ENOENT/);
      // A lock left by a process that is gone is taken over.
      const gone = spawnSync(process.execPath, ['-e', 'process.pid']).pid!;
      await writeFile(
        `${checkpoint}.lock`,
        JSON.stringify({ pid: gone, host: hostname(), executionId: 'dead', since: 'x' }),
      );
      expect((await execute(held.makeTask(), { checkpoint, showProgress: false })).skipped).toBe(1);
    } finally {
      open();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
