import { of } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import {
  Dependency,
  MazepaError,
  concurrentFlow,
  dryRun,
  execute,
  flowSchema,
  observableFlow,
  sequentialFlow,
  taskableOperation,
} from 'mazepa';

const ran: string[] = [];
const load = taskableOperation(function dryLoad(chunk: number) {
  ran.push(`load ${chunk}`);
  return chunk;
});
const save = taskableOperation(function drySave(chunk: number) {
  ran.push(`save ${chunk}`);
});

const perChunk = flowSchema(function* dryPerChunk(chunk: number) {
  const value = yield* load.makeTask(chunk).result();
  yield save.makeTask(chunk);
  return value;
});
const volume = flowSchema(function* dryVolume(chunks: number) {
  const subflows = Array.from({ length: chunks }, (_, i) => perChunk(i));
  yield subflows;
  yield new Dependency();
  const first = yield* perChunk(0).result();
  yield load.makeTask(0); // the same task again: counted once
  yield sequentialFlow([concurrentFlow([save.makeTask(100), save.makeTask(101)]), save.makeTask(102)]);
  yield observableFlow(of(load.makeTask(200), [save.makeTask(200)]));
  return first;
});

describe('dryRun', () => {
  it('should count the distinct tasks per operation of nested flows without running any', async () => {
    ran.length = 0;
    const root = volume(5);
    const counts = await dryRun(root);
    expect(ran).toEqual([]);
    expect(counts.operations).toEqual({ dryLoad: 6, drySave: 9 });
    expect(counts.total).toBe(15);
    expect(counts.flows).toBeGreaterThanOrEqual(8);
    // results are undefined in a dry run
    expect(root.outcome?.returnValue).toBeUndefined();
  });

  it('should count an array of tasks and flows', async () => {
    const counts = await dryRun([load.makeTask(1), load.makeTask(1), perChunk(2)]);
    expect(counts.operations).toEqual({ dryLoad: 2, drySave: 1 });
  });

  it('should name the flow whose generator throws', async () => {
    const bad = flowSchema(function* dryBad() {
      yield load.makeTask(1);
      throw new RangeError('no such volume');
    });
    const error = await dryRun(bad()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MazepaError);
    expect((error as Error).message).toMatch(/flow 'dryBad'.*no such volume/);
  });

  it('should refuse a target that is not a task or flow', async () => {
    await expect(dryRun(42 as never)).rejects.toThrow(TypeError);
  });

  it('should give the progress its totals with execute(..., { estimateTotals: true })', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((text) => {
      written.push(String(text));
      return true;
    });
    try {
      // The dry run sees undefined and counts 3 tasks; the real run makes only 1.
      const branching = flowSchema(function* dryBranching() {
        const value = yield* load.makeTask(1000).result();
        if (value === undefined) yield [load.makeTask(1001), load.makeTask(1002)];
      });
      await execute(branching(), { showProgress: true, estimateTotals: true });
    } finally {
      spy.mockRestore();
    }
    expect(written.join('')).toMatch(
      /\[mazepa\] done in [\d.]+s dryLoad 1\/3 \(submitted 1, ok 1, failed 0, skipped 0\)/,
    );
  });
});
