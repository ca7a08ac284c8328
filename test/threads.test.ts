import { firstValueFrom, take, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Dependency,
  LocalExecutionQueue,
  MazepaError,
  MazepaExecutionFailure,
  Task,
  ThreadExecutionQueue,
  execute,
  flowSchema,
  type OutcomeReport,
} from 'mazepa';
import {
  Scale,
  bigGpu,
  crunch,
  explode,
  gpuHold,
  hang,
  plainHold,
  spin,
  spinForever,
  whoAmI,
} from './fixtures/threads/operations.js';
import { mainOnly } from './fixtures/threads/other-operations.js';

const quiet = { showProgress: false } as const;
const OPERATIONS = './test/fixtures/threads/operations.ts';

let executions = 0;
/** Pushes tasks straight to the queue and collects the first `count` reports (no engine retries). */
async function runOnQueue(queue: ThreadExecutionQueue, tasks: Task[], count = tasks.length): Promise<OutcomeReport[]> {
  const executionId = `threads-test-${++executions}`;
  const reports = firstValueFrom(queue.outcomes(executionId).pipe(take(count), toArray()));
  for (const task of tasks) task.executionId = executionId;
  await queue.pushTasks(tasks);
  return reports;
}

describe('ThreadExecutionQueue', () => {
  let queue: ThreadExecutionQueue;
  beforeAll(() => {
    // The grace must outlast an aborted async task's answer on a busy machine; stuck sync tasks pay it once.
    queue = new ThreadExecutionQueue({ threads: 2, imports: [OPERATIONS], terminateGraceMs: 1000 });
  });
  afterAll(() => queue.close());

  it('should give the same results as the local queue for a flow of CPU-bound tasks', async () => {
    const job = flowSchema(function* job(out: unknown[]) {
      const tasks = Array.from({ length: 16 }, (_, i) => crunch.makeTask(i + 1, 200_000));
      yield tasks;
      yield new Dependency();
      const total = yield* crunch
        .makeTask(
          tasks.reduce((s, t) => s + (t.outcome!.returnValue as { sum: number }).sum, 0),
          10,
        )
        .result();
      out.push(...tasks.map((t) => t.outcome?.returnValue), total);
    });
    const local: unknown[] = [];
    const threaded: unknown[] = [];
    const localSummary = await execute(job(local), { ...quiet, queue: new LocalExecutionQueue() });
    const summary = await execute(job(threaded), { ...quiet, queue });
    expect(threaded).toEqual(local);
    expect(threaded[0]).toEqual({
      seed: 1,
      sum: expect.any(Number),
      big: expect.any(BigInt),
      at: new Date(1),
    });
    expect(summary.succeeded).toBe(localSummary.succeeded);
    expect(summary.operations['threadCrunch']).toMatchObject({
      submitted: 17,
      succeeded: 17,
      failed: 0,
    });
  });

  it('should rebuild class operations from their constructor arguments', async () => {
    const task = new Scale(2, 1).makeTask(new Float32Array([1, 2, 3]));
    await execute(task, { ...quiet, queue });
    expect(task.outcome?.returnValue).toEqual(new Float32Array([3, 5, 7]));
  });

  it('should run tasks in their task context', async () => {
    const task = whoAmI.makeTask('x');
    await execute(task, { ...quiet, queue });
    expect(task.outcome?.returnValue).toEqual({ tag: 'x', taskId: task.id, attempt: 1 });
  });

  it('should bring errors back with name, message, stack and cause, and fail the execution', async () => {
    const task = explode.makeTask('on purpose');
    const failure = await execute(task, { ...quiet, queue }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MazepaExecutionFailure);
    const cause = (failure as MazepaExecutionFailure).cause as Error;
    expect(cause).toMatchObject({ name: 'MazepaError', message: 'boom: on purpose' });
    expect(cause.stack).toMatch(/operations\.ts/);
    expect(task.outcome?.error).toMatchObject({
      name: 'MazepaError',
      cause: { name: 'RangeError', message: 'inner' },
    });
  });

  it('should time out a stuck synchronous task, terminate its thread and go on', async () => {
    const [report] = await runOnQueue(queue, [spin.makeTask('stuck')]);
    expect(report!.outcome.error).toMatchObject({ name: 'MazepaTimeoutError' });
    expect(report!.outcome.error!.message).toMatch(/runtime limit of 100 ms.*terminated/);
    const after = crunch.makeTask(7, 1000);
    await execute(after, { ...quiet, queue });
    expect(after.outcome?.returnValue).toMatchObject({ seed: 7 });
  });

  it('should time out an async task through its signal, in the thread', async () => {
    const [report] = await runOnQueue(queue, [hang.makeTask('waits')]);
    expect(report!.outcome.error).toMatchObject({ name: 'MazepaTimeoutError' });
    expect(report!.outcome.error!.message).not.toMatch(/terminated/);
  });

  it('should refuse at push a task whose arguments cannot be encoded, naming the path', async () => {
    const task = crunch.makeTask({ nested: [() => 1] } as unknown as number, 1);
    task.executionId = 'threads-refused';
    const sub = queue.outcomes('threads-refused').subscribe();
    await expect(queue.pushTasks([task])).rejects.toThrow(/threadCrunch.*args\[0\]\.nested\[0\]/);
    sub.unsubscribe();
    await expect(execute(task, { ...quiet, queue })).rejects.toThrow(/cannot run in a worker thread/);
  });

  it('should refuse at push a task whose operation is not registered', async () => {
    const task = new Task({ fn: (x: number) => x, args: [1], operationName: 'adHoc' });
    await expect(execute(task, { ...quiet, queue })).rejects.toThrow(/'adHoc'.*not registered/);
  });

  it('should fail a task whose operation the threads do not import, naming it', async () => {
    const [report] = await runOnQueue(queue, [mainOnly.makeTask(1)]);
    expect(report!.outcome.error).toMatchObject({ name: 'MazepaError' });
    expect(report!.outcome.error!.message).toMatch(
      /'threadMainOnly' is not registered in the worker thread.*'threadCrunch'/,
    );
  });

  // The tasks have no runtime limit: only the cancellation can free both threads for the next run
  // (a queue that did not abort them would never run `after`, and the test would time out).
  it("should cancel an execution's tasks when its outcomes are unsubscribed", { timeout: 15_000 }, async () => {
    const executionId = 'threads-cancelled';
    const reports: OutcomeReport[] = [];
    const sub = queue.outcomes(executionId).subscribe((r) => reports.push(r));
    const tasks = [spinForever.makeTask('a'), spinForever.makeTask('b'), spinForever.makeTask('c')];
    expect(tasks.map((t) => t.runtimeLimitMs)).toEqual([undefined, undefined, undefined]);
    for (const t of tasks) t.executionId = executionId;
    await queue.pushTasks(tasks);
    sub.unsubscribe();
    const after = crunch.makeTask(8, 1000);
    await execute(after, { ...quiet, queue });
    expect(after.outcome?.returnValue).toMatchObject({ seed: 8 });
    expect(reports).toEqual([]);
  });

  it('should start tasks in push order, one per thread', async () => {
    const single = new ThreadExecutionQueue({ threads: 1, imports: [OPERATIONS] });
    try {
      const tasks = ['a', 'b', 'c', 'd'].map((tag) => whoAmI.makeTask(`order-${tag}`));
      const reports = await runOnQueue(single, tasks);
      expect(reports.map((r) => r.taskId)).toEqual(tasks.map((t) => t.id));
    } finally {
      await single.close();
    }
  });

  it('should fail every task with the error of a module the threads cannot import', async () => {
    const broken = new ThreadExecutionQueue({
      threads: 1,
      imports: ['./test/fixtures/threads/missing.mjs'],
    });
    try {
      const [report] = await runOnQueue(broken, [crunch.makeTask(1, 1)]);
      expect(report!.outcome.error!.message).toMatch(/could not import '.*missing\.mjs'/);
      expect(report!.outcome.error!.cause).toBeDefined();
    } finally {
      await broken.close();
    }
  });

  it('should validate its options', () => {
    expect(() => new ThreadExecutionQueue({ threads: 0, imports: [] })).toThrow(/option 'threads'.*received 0/);
    expect(() => new ThreadExecutionQueue({} as never)).toThrow(/option 'imports'/);
    expect(() => new ThreadExecutionQueue({ imports: [''] })).toThrow(/option 'imports\[0\]'/);
    expect(() => new ThreadExecutionQueue({ imports: [], terminateGraceMs: -1 })).toThrow(/terminateGraceMs.*-1/);
    expect(() => new ThreadExecutionQueue({ imports: [], execArgv: 'x' as never })).toThrow(TypeError);
  });

  it('should refuse pushes after close', async () => {
    const closed = new ThreadExecutionQueue({ threads: 1, imports: [] });
    await closed.close();
    const task = crunch.makeTask(1, 1);
    task.executionId = 'x';
    await expect(closed.pushTasks([task])).rejects.toBeInstanceOf(MazepaError);
  });
});

/**
 * Tasks of `gpuHold` / `plainHold` on `channel`: resolves as each starts, releases them, and
 * counts the GPU tasks running (from their start until their outcome is reported).
 */
function holds(channel: string) {
  const bus = new BroadcastChannel(channel);
  const starts: string[] = [];
  const waiting = new Map<string, () => void>();
  const gpu = { running: 0, max: 0 };
  bus.onmessage = (event) => {
    const tag = (event as { data: { started: string } }).data.started;
    starts.push(tag);
    if (tag.startsWith('gpu')) gpu.max = Math.max(gpu.max, ++gpu.running);
    waiting.get(tag)?.();
  };
  return {
    starts,
    gpu,
    started: (tag: string) =>
      starts.includes(tag) ? Promise.resolve() : new Promise<void>((resolve) => waiting.set(tag, resolve)),
    release: (tag: string) => bus.postMessage({ release: tag }),
    /** Call with each outcome report: a GPU task's ends there. */
    ended: (tag: string) => void (tag.startsWith('gpu') && gpu.running--),
    close: () => bus.close(),
  };
}

describe('ThreadExecutionQueue resourceLimits', () => {
  let queue: ThreadExecutionQueue;
  beforeAll(() => {
    queue = new ThreadExecutionQueue({ threads: 2, imports: [OPERATIONS], resourceLimits: { gpu: 1 } });
  });
  afterAll(() => queue.close());

  it('should run at most the limit at once, in push order, while other tasks take the free threads', async () => {
    const channel = 'threads-gpu-limit';
    const h = holds(channel);
    try {
      const tasks = [
        gpuHold.makeTask('gpu1', channel),
        gpuHold.makeTask('gpu2', channel),
        gpuHold.makeTask('gpu3', channel),
        plainHold.makeTask('plain', channel),
      ];
      const tagOf = new Map(tasks.map((t) => [t.id, String(t.args[0])]));
      const executionId = `threads-test-${++executions}`;
      for (const task of tasks) task.executionId = executionId;
      const reports: OutcomeReport[] = [];
      const done = new Promise<void>((resolve) => {
        const sub = queue.outcomes(executionId).subscribe((report) => {
          h.ended(tagOf.get(report.taskId)!);
          reports.push(report);
          if (reports.length === tasks.length) {
            sub.unsubscribe();
            resolve();
          }
        });
      });
      await queue.pushTasks(tasks);
      // Two threads: gpu2 and gpu3 wait for the GPU without taking the other thread, so the
      // plain task, pushed last, runs beside gpu1 (without the limit it would wait for a thread).
      await Promise.all([h.started('gpu1'), h.started('plain')]);
      h.release('gpu1');
      await h.started('gpu2');
      h.release('plain');
      h.release('gpu2');
      await h.started('gpu3');
      h.release('gpu3');
      await done;
      expect(reports.map((r) => r.outcome.error)).toEqual([undefined, undefined, undefined, undefined]);
      expect(h.starts.filter((tag) => tag.startsWith('gpu'))).toEqual(['gpu1', 'gpu2', 'gpu3']);
      expect(h.gpu.max).toBe(1);
    } finally {
      h.close();
    }
  });

  it('should fail at once a task that needs more than a limit, without waiting for a thread', async () => {
    const channel = 'threads-gpu-impossible';
    const h = holds(channel);
    try {
      const busy = [plainHold.makeTask('busy1', channel), plainHold.makeTask('busy2', channel)];
      const running = runOnQueue(queue, busy);
      await Promise.all([h.started('busy1'), h.started('busy2')]);
      const big = bigGpu.makeTask();
      const [report] = await runOnQueue(queue, [big]);
      expect(report!.outcome.error).toMatchObject({ name: 'MazepaError' });
      expect(report!.outcome.error!.message).toBe(
        `ThreadExecutionQueue cannot run task ${big.id}: it needs 2 gpu, over the limit of 1`,
      );
      h.release('busy1');
      h.release('busy2');
      expect((await running).map((r) => r.outcome.returnValue).sort()).toEqual(['busy1', 'busy2']);
    } finally {
      h.close();
    }
  });

  it('should validate resourceLimits, naming the option', () => {
    expect(() => new ThreadExecutionQueue({ imports: [], resourceLimits: { gpu: 0 } })).toThrow(
      new TypeError("ThreadExecutionQueue: option 'resourceLimits.gpu' must be a whole number >= 1, received 0"),
    );
    expect(() => new ThreadExecutionQueue({ imports: [], resourceLimits: 3 as never })).toThrow(
      /option 'resourceLimits' must be an object/,
    );
  });
});
