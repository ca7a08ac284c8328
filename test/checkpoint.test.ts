import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointError, Task, execute, execution, flowSchema, taskableOperation, type ExecutionEvent } from 'mazepa';
import { lastValueFrom, toArray } from 'rxjs';

const quiet = { showProgress: false } as const;
let dir: string;
let ckpt: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mazepa-ckpt-'));
  ckpt = join(dir, 'run.ckpt');
});
afterEach(() => {
  // temporary files never stay behind
  expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
});

const runs: string[] = [];
const square = taskableOperation(function ckptSquare(x: number) {
  runs.push(`square ${x}`);
  return x * x;
});
const rich = taskableOperation(function ckptRich(key: string) {
  runs.push(`rich ${key}`);
  return { key, big: 2n ** 70n, when: new Date(0), tags: new Set(['a']), nan: NaN, nothing: undefined };
});
const sumOfSquares = flowSchema(function* ckptSumOfSquares(n: number) {
  const tasks = Array.from({ length: n }, (_, i) => square.makeTask(i));
  yield tasks;
  let sum = 0;
  for (const task of tasks) sum += yield* task.result();
  const r = rich.makeTask('k\tq"uote');
  const value = yield* r.result();
  return { sum, value, outcome: tasks.at(-1)!.outcome?.returnValue };
});

describe('execute with a checkpoint', () => {
  it('should write completed tasks at the end and skip them on a rerun, giving flows their results', async () => {
    runs.length = 0;
    const first = sumOfSquares(4);
    const summary1 = await execute(first, { ...quiet, checkpoint: ckpt });
    expect(summary1).toMatchObject({ succeeded: 5, skipped: 0 });
    expect(runs).toHaveLength(5);
    const text = readFileSync(ckpt, 'utf8');
    expect(text.split('\n')[0]).toMatch(/^mazepa-checkpoint 1 \{"executionId":/);
    expect(text.split('\n').at(-2)).toMatch(/^end 5 [0-9a-f]{8}$/);

    runs.length = 0;
    const second = sumOfSquares(4);
    const summary2 = await execute(second, { ...quiet, checkpoint: ckpt });
    expect(runs).toEqual([]);
    expect(summary2).toMatchObject({ succeeded: 0, skipped: 5 });
    expect(summary2.operations['ckptSquare']).toMatchObject({ skipped: 4, submitted: 0 });
    expect(second.outcome?.returnValue).toEqual(first.outcome?.returnValue);
    expect(second.outcome?.returnValue).toMatchObject({ sum: 14, outcome: 9, value: { big: 2n ** 70n } });
  });

  it('should run only the tasks the checkpoint does not know, and keep the old ones in it', async () => {
    runs.length = 0;
    await execute(sumOfSquares(2), { ...quiet, checkpoint: ckpt });
    runs.length = 0;
    const summary = await execute(sumOfSquares(3), { ...quiet, checkpoint: ckpt });
    expect(runs).toEqual(['square 2']);
    expect(summary).toMatchObject({ succeeded: 1, skipped: 3 });
    expect(readFileSync(ckpt, 'utf8')).toMatch(/\nend 4 /);
  });

  it('should emit checkpoint_written before execution_completed', async () => {
    const events = await lastValueFrom(execution(square.makeTask(7), { ...quiet, checkpoint: ckpt }).pipe(toArray()));
    const types = events.map((e) => e.type);
    expect(types.slice(-2)).toEqual(['checkpoint_written', 'execution_completed']);
    const written = events.at(-2) as Extract<ExecutionEvent, { type: 'checkpoint_written' }>;
    expect(written).toMatchObject({ path: ckpt, completed: 1 });
  });

  it('should write the checkpoint when a task fails, so a rerun skips what succeeded', async () => {
    let broken = true;
    const maybe = taskableOperation(function ckptMaybe(x: number) {
      if (x === 2 && broken) throw new RangeError('not yet');
      return x;
    });
    const flow = flowSchema(function* ckptFails() {
      for (let i = 0; i < 4; i++) yield* maybe.makeTask(i).result();
    });
    await expect(execute(flow(), { ...quiet, checkpoint: ckpt })).rejects.toThrow('not yet');
    expect(readFileSync(ckpt, 'utf8')).toMatch(/\nend 2 /);
    broken = false;
    const summary = await execute(flow(), { ...quiet, checkpoint: ckpt });
    expect(summary).toMatchObject({ succeeded: 2, skipped: 2 });
  });

  it('should write the checkpoint when the signal aborts the run', async () => {
    const controller = new AbortController();
    const stop = taskableOperation(function ckptStop(x: number) {
      if (x === 3) controller.abort();
      return x;
    });
    const flow = flowSchema(function* ckptAborted() {
      for (let i = 0; i < 10; i++) yield* stop.makeTask(i).result();
    });
    await expect(execute(flow(), { ...quiet, checkpoint: ckpt, signal: controller.signal })).rejects.toThrow(
      /cancelled/,
    );
    expect(readFileSync(ckpt, 'utf8')).toMatch(/\nend [34] /);
  });

  it('should skip nothing it does not know from the checkpoint of another flow', async () => {
    await execute(square.makeTask(100), { ...quiet, checkpoint: ckpt });
    runs.length = 0;
    const summary = await execute(rich.makeTask('other'), { ...quiet, checkpoint: ckpt });
    expect(runs).toEqual(['rich other']);
    expect(summary).toMatchObject({ succeeded: 1, skipped: 0 });
  });

  it('should round-trip task ids with tabs, quotes and line breaks', async () => {
    const ids = ['"quoted', 'tab\there', 'line\nbreak', 'plain'];
    const tasks = () => ids.map((id) => new Task({ fn: () => id, id, operationName: 'ckptOdd' }));
    await execute(tasks(), { ...quiet, checkpoint: ckpt });
    const again = tasks();
    const summary = await execute(again, { ...quiet, checkpoint: ckpt });
    expect(summary.skipped).toBe(4);
    expect(again.map((t) => t.outcome?.returnValue)).toEqual(ids);
  });
});

describe('CheckpointError', () => {
  const refused = async (content: string | Buffer, message: RegExp): Promise<void> => {
    writeFileSync(ckpt, content);
    const error = await execute(square.makeTask(1), { ...quiet, checkpoint: ckpt }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as CheckpointError).path).toBe(ckpt);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(ckpt);
  };
  const valid = async (): Promise<string> => {
    await execute([square.makeTask(1), square.makeTask(2)], { ...quiet, checkpoint: ckpt });
    return readFileSync(ckpt, 'utf8');
  };

  it('should refuse a file that is not a checkpoint', () => refused('{"hello": 1}\n', /is not a mazepa checkpoint/));
  it('should refuse an empty file', () => refused('', /is not a mazepa checkpoint/));
  it('should refuse another format version', () => refused('mazepa-checkpoint 9 {}\nend 0 00000000\n', /version 9/));
  it('should refuse a truncated file', async () => {
    const text = await valid();
    await refused(text.slice(0, text.lastIndexOf('end')), /truncated/);
  });
  it('should refuse a file whose contents do not match its checksum', async () => {
    const text = await valid();
    await refused(text.replace(/\n(ckptSquare-.)/, '\nx$1'), /checksum/);
  });
  it('should refuse a file whose count does not match', async () => {
    const text = await valid();
    await refused(text.replace(/\nend 2 /, '\nend 3 '), /end line says 3/);
  });
});
