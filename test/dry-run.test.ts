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
  type Task,
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

  it('should end the count of a flow that throws there, report it as partial, and go on with the others', async () => {
    const bad = flowSchema(function* dryBad() {
      yield load.makeTask(1);
      throw new RangeError('no such volume');
    });
    const counts = await dryRun([bad(), perChunk(7)]);
    expect(counts.operations).toEqual({ dryLoad: 2, drySave: 1 });
    expect(counts.partial).toHaveLength(1);
    expect(counts.partial[0]).toMatchObject({ flowName: 'dryBad', error: { message: 'no such volume' } });
  });

  it("should not fail on the README's header.chunks pattern: the flow that reads the result is partial", async () => {
    const readHeader = taskableOperation(function dryReadHeader(path: string) {
      return { chunks: path.length };
    });
    const chunked = flowSchema(function* dryChunked(path: string) {
      const header = yield* readHeader.makeTask(path).result();
      yield Array.from({ length: header.chunks }, (_, i) => save.makeTask(i));
    });
    const outer = flowSchema(function* dryOuter() {
      yield chunked('abc');
      yield new Dependency();
      yield load.makeTask(99); // the parent goes on after its child stopped
    });
    const counts = await dryRun(outer());
    expect(counts.operations).toEqual({ dryReadHeader: 1, dryLoad: 1 });
    expect(counts.partial.map((p) => p.flowName)).toEqual(['dryChunked']);
    expect(counts.partial[0]!.error).toBeInstanceOf(TypeError);
  });

  it('should stop a flow that waits in a loop for a result, as partial, and go on', async () => {
    const poll = taskableOperation(function dryPoll(name: string) {
      return name.length > 0;
    });
    const waits = flowSchema(function* dryWaits() {
      while (!(yield* poll.makeTask('ready').result())) yield load.makeTask(300);
    });
    const counts = await dryRun([waits(), load.makeTask(301)]);
    expect(counts.operations).toEqual({ dryPoll: 1, dryLoad: 2 });
    expect(counts.partial.map((p) => p.flowName)).toEqual(['dryWaits']);
    expect(counts.partial[0]!.error.message).toMatch(/yielded only tasks it had yielded before, 10005 times in a row/);
  });

  it('should report a flow that yields a generator (a missing star) as partial, saying "did you mean yield*"', async () => {
    const noStar = flowSchema(function* dryNoStar() {
      yield load.makeTask(1).result() as never;
    });
    const counts = await dryRun(noStar());
    expect(counts.partial[0]!.error).toBeInstanceOf(MazepaError);
    expect(counts.partial[0]!.error.message).toMatch(/yielded a generator object.*did you mean `yield\*`/);
  });

  it('should report an observable flow whose source emits what is not a task or flow as partial, and go on', async () => {
    const source = of(load.makeTask(400), 7 as unknown as Task, load.makeTask(401));
    const counts = await dryRun([observableFlow(source, { name: 'dryBadSource' }), save.makeTask(402)]);
    expect(counts.operations).toEqual({ dryLoad: 1, drySave: 1 });
    expect(counts.partial.map((p) => p.flowName)).toEqual(['dryBadSource']);
    expect(counts.partial[0]!.error.message).toMatch(/^Flow 'dryBadSource' yielded a number, which is not a Task/);
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

  it('should warn and show progress without totals when the dry run of estimateTotals stops early', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((text) => {
      written.push(String(text));
      return true;
    });
    let summary;
    try {
      const readHeader = taskableOperation(function dryHeader2(path: string) {
        return { chunks: path.length };
      });
      const chunked = flowSchema(function* dryChunked2(path: string) {
        const header = yield* readHeader.makeTask(path).result();
        yield Array.from({ length: header.chunks }, (_, i) => load.makeTask(500 + i));
        yield new Dependency();
        return header.chunks;
      });
      summary = await execute(chunked('abcd'), { showProgress: true, estimateTotals: true });
    } finally {
      spy.mockRestore();
    }
    expect(summary.result).toBe(4);
    expect(summary.succeeded).toBe(5);
    const text = written.join('');
    expect(text).toMatch(/estimateTotals: flow 'dryChunked2' threw in the dry run \(.*chunks.*\).*without totals/);
    // no totals: the count is what was done
    expect(text).toMatch(/dryLoad 4\/4 /);
  });
});
