import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointError, execute, flowSchema, taskableOperation } from 'mazepa';
import { deriveTaskId } from '../src/flows/ids.js';
import { createCheckpointLog } from '../src/streams/checkpoint/checkpoint-format.js';
import { parseCheckpoint } from '../src/streams/checkpoint/checkpoint-parse.js';

const quiet = { showProgress: false } as const;
let dir: string;
let ckpt: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mazepa-ids-'));
  ckpt = join(dir, 'run.ckpt');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const calls: number[] = [];
const triple = taskableOperation(function schemeTriple(x: number) {
  calls.push(x);
  return x * 3;
});
const sumOf = flowSchema(function* schemeSum(xs: number[]) {
  let sum = 0;
  for (const x of xs) sum += yield* triple.makeTask(x).result();
  return sum;
});

/** A checkpoint as mazepa before id schemes wrote it: sha256 ids, no `taskIds` metadata. */
function writeOldCheckpoint(done: readonly number[]): void {
  const log = createCheckpointLog();
  for (const x of done) log.record(deriveTaskId('schemeTriple', [x], undefined, undefined, 'sha256-128').id, x * 3);
  writeFileSync(ckpt, Buffer.concat(log.serialize({ executionId: 'exec-old', writtenAt: '2026-01-01T00:00:00.000Z' })));
}

describe('checkpoints and task id schemes', () => {
  it('should resume a checkpoint of the earlier scheme with the ids it was written with', async () => {
    writeOldCheckpoint([1, 2]);
    calls.length = 0;
    const first = await execute(sumOf([1, 2, 3]), { ...quiet, checkpoint: ckpt });
    expect(first).toMatchObject({ result: 18, succeeded: 1, skipped: 2 });
    expect(calls).toEqual([3]); // only the task the old checkpoint did not hold
    const loaded = parseCheckpoint(readFileSync(ckpt), ckpt);
    expect(loaded.meta['taskIds']).toEqual(['sha256-128', 'm3x86-128']);
    // A third run finds the old tasks under their old ids and the new one under its new id.
    calls.length = 0;
    const again = await execute(sumOf([1, 2, 3]), { ...quiet, checkpoint: ckpt });
    expect(again).toMatchObject({ result: 18, succeeded: 0, skipped: 3 });
    expect(calls).toEqual([]);
  });

  it('should name only the current scheme in a checkpoint it starts', async () => {
    calls.length = 0;
    await execute(sumOf([4]), { ...quiet, checkpoint: ckpt });
    expect(parseCheckpoint(readFileSync(ckpt), ckpt).meta['taskIds']).toEqual(['m3x86-128']);
    expect(await execute(sumOf([4]), { ...quiet, checkpoint: ckpt })).toMatchObject({ skipped: 1, succeeded: 0 });
    expect(calls).toEqual([4]);
  });

  it('should refuse a checkpoint of a scheme it cannot derive, saying why, and run nothing', async () => {
    const log = createCheckpointLog();
    log.record('schemeTriple-abc', 3);
    const meta = { executionId: 'exec-new', taskIds: ['xxh3-999'], writtenAt: '2030-01-01T00:00:00.000Z' };
    writeFileSync(ckpt, Buffer.concat(log.serialize(meta)));
    calls.length = 0;
    const run = execute(sumOf([1]), { ...quiet, checkpoint: ckpt });
    await expect(run).rejects.toBeInstanceOf(CheckpointError);
    await expect(run).rejects.toThrow(
      /task ids of scheme 'xxh3-999', which this mazepa cannot derive.*would all run again/,
    );
    expect(calls).toEqual([]);
  });
});
