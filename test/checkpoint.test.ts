import { Buffer } from 'node:buffer';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CheckpointError,
  MazepaCancelledError,
  Task,
  execute,
  execution,
  flowSchema,
  taskableOperation,
  type ExecutionEvent,
} from 'mazepa';
import { lastValueFrom, toArray } from 'rxjs';
import { CHECKPOINT_MAX_LINE_BYTES, createCheckpointLog } from '../src/streams/checkpoint/checkpoint-format.js';
import { parseCheckpoint } from '../src/streams/checkpoint/checkpoint-parse.js';

const quiet = { showProgress: false } as const;
/** The number of completed tasks the checkpoint file holds. */
const stored = (path = ckpt): number => parseCheckpoint(readFileSync(path), path).completed.size;
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
    expect(text.split('\n')[0]).toMatch(/^mazepa-checkpoint 2 \{"writtenAt":/);
    expect(text.split('\n').at(-2)).toMatch(/^c \d+ [0-9a-f]{8}$/);
    expect(stored()).toBe(5);

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
    expect(stored()).toBe(4);
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
    expect(stored()).toBe(2);
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
    const error = await execute(flow(), { ...quiet, checkpoint: ckpt, signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MazepaCancelledError);
    expect(error).toMatchObject({ name: 'MazepaCancelledError', message: expect.stringMatching(/was cancelled/) });
    expect(stored()).toBeGreaterThanOrEqual(3);
    expect(stored()).toBeLessThanOrEqual(4);
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

/** A checkpoint in format version 1 (as mazepa wrote it before the journal), made by hand. */
function v1File(lines: string[], count = lines.length): string {
  const body = lines.map((l) => `${l}\n`).join('');
  const crc = (crc32(Buffer.from(body)) >>> 0).toString(16).padStart(8, '0');
  return `mazepa-checkpoint 1 {"executionId":"old"}\n${body}end ${count} ${crc}\n`;
}
/** A `c` record for `records` (v2). */
function commit(records: string[]): string {
  const body = records.map((l) => `${l}\n`).join('');
  return `c ${records.length} ${(crc32(Buffer.from(body)) >>> 0).toString(16).padStart(8, '0')}\n`;
}
const idOf = (x: number): string => square.makeTask(x).id;

describe('the checkpoint journal', () => {
  it('should have every completion on disk within its turn, long before the interval', async () => {
    const peek = taskableOperation(async function ckptPeek() {
      // a later turn of the event loop (not a timer): the local queue runs synchronous tasks
      // back to back within one turn, and the journal appends once per turn
      await new Promise((resolve) => setImmediate(resolve));
      return stored();
    });
    const flow = flowSchema(function* ckptJournaled() {
      yield* square.makeTask(1).result();
      yield* square.makeTask(2).result();
      return yield* peek.makeTask().result();
    });
    const root = flow();
    await execute(root, { ...quiet, checkpoint: ckpt, checkpointIntervalMs: 3_600_000 });
    // the third task read the file while the run went on: the two before it were there
    expect(root.outcome?.returnValue).toBe(2);
    expect(stored()).toBe(3);
  });

  it("should load today's format (version 1) and carry it on as version 2", async () => {
    writeFileSync(ckpt, v1File([`${idOf(1)}\t1`, idOf(2)]));
    runs.length = 0;
    const summary = await execute(
      [1, 2, 3].map((x) => square.makeTask(x)),
      { ...quiet, checkpoint: ckpt },
    );
    expect(runs).toEqual(['square 3']);
    expect(summary).toMatchObject({ succeeded: 1, skipped: 2 });
    expect(readFileSync(ckpt, 'utf8')).toMatch(/^mazepa-checkpoint 2 /);
    const { completed, meta } = parseCheckpoint(readFileSync(ckpt), ckpt);
    expect(completed.get(idOf(1))?.returnValue).toBe(1);
    expect(completed.get(idOf(2))?.returnValue).toBeUndefined();
    expect(completed.get(idOf(3))?.returnValue).toBe(9);
    expect(meta['executionId']).toBe(summary.executionId);
  });

  it('should ignore a torn last line and records no `c` commits, and drop them from the file', async () => {
    const header = 'mazepa-checkpoint 2 {}\n';
    const committed = [`t ${idOf(1)}\t1`];
    const uncommitted = `t ${idOf(2)}\t4\n`;
    writeFileSync(ckpt, `${header}${committed[0]}\n${commit(committed)}${uncommitted}t ${idOf(3)}\t9`);
    runs.length = 0;
    const summary = await execute(
      [1, 2, 3].map((x) => square.makeTask(x)),
      { ...quiet, checkpoint: ckpt },
    );
    expect(runs).toEqual(['square 2', 'square 3']);
    expect(summary).toMatchObject({ succeeded: 2, skipped: 1 });
    expect(stored()).toBe(3);
    expect(readFileSync(ckpt, 'utf8').endsWith('\n')).toBe(true);
  });

  it('should keep `m` and `p` records (reserved for SQS resume) and drop `p` of tasks that completed', () => {
    const records = ['m {"executionId":"e1","queueName":"q"}', `p ${idOf(1)}`, `p ${idOf(2)}`, `t ${idOf(2)}\t4`];
    writeFileSync(ckpt, `mazepa-checkpoint 2 {}\n${records.join('\n')}\n${commit(records)}`);
    const parsed = parseCheckpoint(readFileSync(ckpt), ckpt);
    expect(parsed.meta).toMatchObject({ executionId: 'e1', queueName: 'q' });
    expect([...parsed.pushed]).toEqual([idOf(1)]);
    expect(parsed.needsCompaction).toBe(true);
    const text = Buffer.concat(
      parsed.log.serialize({ ...parsed.meta, executionId: 'e2', writtenAt: 'now' }),
    ).toString();
    const again = parseCheckpoint(Buffer.from(text), ckpt);
    expect([...again.pushed]).toEqual([idOf(1)]);
    expect(again.meta).toMatchObject({ executionId: 'e2', queueName: 'q' });
    expect(again.completed.get(idOf(2))?.returnValue).toBe(4);
    expect(again.needsCompaction).toBe(false);
  });

  it('should remove temporary files that a killed writer left next to the checkpoint', async () => {
    const stale = `${ckpt}.999999999-1.tmp`;
    writeFileSync(stale, 'half a checkpoint');
    const other = join(dir, 'other.ckpt.999999999-1.tmp');
    writeFileSync(other, 'not ours');
    await execute(square.makeTask(1), { ...quiet, checkpoint: ckpt });
    expect(readdirSync(dir).sort()).toEqual(['other.ckpt.999999999-1.tmp', 'run.ckpt']);
    rmSync(other);
  });

  it('should not record a result whose line would be longer than the cap', () => {
    const log = createCheckpointLog();
    expect(log.record('big', 'x'.repeat(CHECKPOINT_MAX_LINE_BYTES))).toBe(false);
    expect(log.record('small', 'x')).toBe(true);
    expect(log.count).toBe(1);
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
    // refused, never overwritten
    expect(readFileSync(ckpt).equals(Buffer.from(content))).toBe(true);
  };
  const valid = async (): Promise<string> => {
    await execute([square.makeTask(1), square.makeTask(2)], { ...quiet, checkpoint: ckpt });
    return readFileSync(ckpt, 'utf8');
  };

  it('should refuse a file that is not a checkpoint', () => refused('{"hello": 1}\n', /is not a mazepa checkpoint/));
  it('should refuse an empty file', () => refused('', /is not a mazepa checkpoint/));
  it('should refuse another format version', () => refused('mazepa-checkpoint 9 {}\nc 0 00000000\n', /version 9/));
  it('should refuse a version 1 file that is truncated', () =>
    refused(v1File([idOf(1)]).replace(/end.*\n$/, ''), /truncated/));
  it('should refuse a version 1 file whose contents do not match its checksum', () =>
    refused(v1File([idOf(1)]).replace(/\n(ckptSquare-.)/, '\nx$1'), /checksum/));
  it('should refuse a version 1 file whose count does not match', () =>
    refused(v1File([idOf(1), idOf(2)], 3), /end line says 3/));
  it('should refuse a committed record that does not match its checksum', async () => {
    const text = await valid();
    await refused(text.replace(/\nt (ckptSquare-.)/, '\nt x$1'), /do not match their checksum/);
  });
  it('should refuse a `c` record whose count does not match', async () => {
    const text = await valid();
    await refused(
      text.replace(/\nc (\d+) /, (_, n: string) => `\nc ${Number(n) + 1} `),
      /do not match/,
    );
  });
  it('should refuse a line that is not a record, even uncommitted', async () => {
    const text = await valid();
    await refused(`${text}hello\n`, /line \d+: not a record/);
  });
  it('should refuse a line longer than the cap, not abort', async () => {
    const line = `t big\t"${'x'.repeat(CHECKPOINT_MAX_LINE_BYTES)}"`;
    await refused(`mazepa-checkpoint 2 {}\n${line}\nc 1 00000000\n`, /longer than 16777216 bytes/);
  });
});
