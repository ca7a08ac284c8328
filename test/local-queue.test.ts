import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  Dependency,
  LocalExecutionQueue,
  MazepaError,
  Task,
  execute,
  flowSchema,
  taskableOperation,
  type Flow,
} from 'mazepa';

const quiet = { showProgress: false } as const;

/** Where {@link record} writes: a fresh list per tree. */
let runLog: string[] = [];
const record = taskableOperation(function localRecordOrder(label: string) {
  runLog.push(label);
});

/**
 * A three-level flow tree whose tasks record when they run; `yielded` records each task as the
 * generators yield it, so the two orders can be compared.
 */
function nestedTree() {
  const ran: string[] = [];
  const yielded: string[] = [];
  runLog = ran;
  const t = (label: string): Task => {
    yielded.push(label);
    return record.makeTask(label);
  };
  const leaf = flowSchema(function* leaf(prefix: string) {
    yield t(`${prefix}1`);
    yield t(`${prefix}2`);
  });
  const middle = flowSchema(function* middle(prefix: string) {
    yield t(`${prefix}a`);
    yield leaf(`${prefix}L`);
    yield t(`${prefix}b`);
    yield new Dependency();
    yield t(`${prefix}c`);
  });
  const root = flowSchema(function* root() {
    yield t('r1');
    yield middle('M');
    yield t('r2');
    yield leaf('X');
    yield t('r3');
    yield new Dependency();
    yield t('r4');
  });
  return { ran, yielded, root: (): Flow<void> => root() };
}

describe('LocalExecutionQueue', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  describe('order', () => {
    it('should run tasks in yield order across nested subflows', async () => {
      const { ran, yielded, root } = nestedTree();
      const summary = await execute(root(), quiet);
      // A subflow starts when yielded and is stepped after the flows before it have yielded what
      // they can: the root runs until it waits, then M, then X, then M's subflow ML; M goes on
      // once ML is done, and the root once everything below it is.
      expect(ran).toEqual(['r1', 'r2', 'r3', 'Ma', 'Mb', 'X1', 'X2', 'ML1', 'ML2', 'Mc', 'r4']);
      expect(ran).toEqual(yielded);
      expect(summary.succeeded).toBe(11);
    });

    it('should keep yield order when flows take turns of one yield each', async () => {
      const { ran, yielded, root } = nestedTree();
      await execute(root(), { ...quiet, maxBatchLen: 1 });
      expect(ran).toEqual(yielded);
      // The turns interleave the flows, and each flow's own tasks keep their order.
      expect(ran).toEqual(['r1', 'Ma', 'r2', 'ML1', 'Mb', 'X1', 'r3', 'ML2', 'X2', 'Mc', 'r4']);
    });

    it('should start async tasks in yield order with a concurrency above 1', async () => {
      const started: number[] = [];
      const finished: number[] = [];
      const step = taskableOperation(async function localAsyncOrder(i: number) {
        started.push(i);
        // Later tasks finish first: the start order must not depend on it.
        for (let k = 0; k < 10 - i; k++) await Promise.resolve();
        finished.push(i);
      });
      const flow = flowSchema(function* asyncOrder() {
        for (let i = 0; i < 8; i++) yield step.makeTask(i);
      });
      await execute(flow(), { ...quiet, queue: new LocalExecutionQueue({ concurrency: 4 }) });
      expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(finished).not.toEqual(started);
      expect([...finished].sort()).toEqual(started);
    });
  });

  describe('concurrency', () => {
    /** An operation whose tasks run until the test releases them. */
    function gatedOperation(name: string) {
      const state = { running: 0, peak: 0, started: [] as number[], release: new Map<number, () => void>() };
      const op = taskableOperation(
        function localGated(i: number) {
          state.started.push(i);
          state.running++;
          state.peak = Math.max(state.peak, state.running);
          return new Promise<number>((resolve) =>
            state.release.set(i, () => {
              state.running--;
              resolve(i * 10);
            }),
          );
        },
        { operationName: name },
      );
      return { op, state };
    }

    it('should run at most `concurrency` async tasks at once, and that many when there is work', async () => {
      vi.useFakeTimers();
      const { op, state } = gatedOperation('localGatedThree');
      const tasks = Array.from({ length: 8 }, (_, i) => op.makeTask(i));
      const flow = flowSchema(function* gatedFlow() {
        yield tasks;
      });
      const run = execute(flow(), { ...quiet, queue: new LocalExecutionQueue({ concurrency: 3 }) });
      await vi.runAllTimersAsync();
      expect(state.started).toEqual([0, 1, 2]);
      expect(state.running).toBe(3);

      state.release.get(1)!();
      await vi.runAllTimersAsync();
      expect(state.started).toEqual([0, 1, 2, 3]);
      expect(state.running).toBe(3);

      state.release.get(0)!();
      state.release.get(2)!();
      await vi.runAllTimersAsync();
      expect(state.started).toEqual([0, 1, 2, 3, 4, 5]);
      expect(state.running).toBe(3);

      for (let i = 3; i < 8; i++) {
        state.release.get(i)!();
        await vi.runAllTimersAsync();
      }
      const summary = await run;
      expect(state.peak).toBe(3);
      expect(state.running).toBe(0);
      expect(summary.succeeded).toBe(8);
      expect(tasks.map((t) => t.outcome?.returnValue)).toEqual([0, 10, 20, 30, 40, 50, 60, 70]);
    });

    it('should run async tasks one at a time by default', async () => {
      vi.useFakeTimers();
      const { op, state } = gatedOperation('localGatedDefault');
      const run = execute([op.makeTask(0), op.makeTask(1), op.makeTask(2)], quiet);
      await vi.runAllTimersAsync();
      expect(state.started).toEqual([0]);
      state.release.get(0)!();
      await vi.runAllTimersAsync();
      expect(state.started).toEqual([0, 1]);
      state.release.get(1)!();
      await vi.runAllTimersAsync();
      state.release.get(2)!();
      await run;
      expect(state.peak).toBe(1);
    });

    it.each([[-1], [1.5], [NaN], ['2'], [-Infinity]])(
      'should reject concurrency %o with a TypeError naming the option',
      (concurrency) => {
        const make = () => new LocalExecutionQueue({ concurrency: concurrency as number });
        expect(make).toThrow(TypeError);
        expect(make).toThrow(
          `LocalExecutionQueue: option 'concurrency' must be a whole number >= 1, received ${String(concurrency)}`,
        );
      },
    );

    it('should accept an unlimited concurrency', async () => {
      vi.useFakeTimers();
      const { op, state } = gatedOperation('localGatedUnlimited');
      const run = execute(
        Array.from({ length: 20 }, (_, i) => op.makeTask(i)),
        { ...quiet, queue: new LocalExecutionQueue({ concurrency: Infinity }) },
      );
      await vi.runAllTimersAsync();
      expect(state.running).toBe(20);
      for (const release of state.release.values()) release();
      expect((await run).succeeded).toBe(20);
    });
  });

  it('should not warn of an event listener leak when many async tasks run at once', async () => {
    vi.useFakeTimers();
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let running = 0;
      const waits = taskableOperation(async function localManyAtOnce(_i: number) {
        running++;
        await gate;
      });
      const run = execute(
        Array.from({ length: 32 }, (_, i) => waits.makeTask(i)),
        { ...quiet, queue: new LocalExecutionQueue({ concurrency: 32 }) },
      );
      await vi.runAllTimersAsync();
      expect(running).toBe(32);
      release();
      expect((await run).succeeded).toBe(32);
      // Node reports warnings on the next tick.
      await new Promise<void>((resolve) => process.nextTick(resolve));
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  describe('protocol', () => {
    it('should refuse tasks of an execution nobody listens to, naming the task', async () => {
      const queue = new LocalExecutionQueue();
      const task = new Task({ fn: () => 1, operationName: 'localUnheard', id: 'unheard-task' });
      await expect(queue.pushTasks([task])).rejects.toThrow(MazepaError);
      await expect(queue.pushTasks([task])).rejects.toThrow(
        'LocalExecutionQueue: task unheard-task belongs to execution undefined, which nobody is listening to',
      );
    });

    it('should refuse a second listener for the same execution', () => {
      const queue = new LocalExecutionQueue();
      const first = queue.outcomes('twice').subscribe();
      let error: unknown;
      queue.outcomes('twice').subscribe({ error: (e: unknown) => (error = e) });
      expect(error).toBeInstanceOf(MazepaError);
      expect((error as Error).message).toBe('LocalExecutionQueue: execution twice is already running');
      first.unsubscribe();
    });
  });
});
