import { describe, expect, it } from 'vitest';
import {
  Dependency,
  Flow,
  MazepaError,
  MazepaExecutionFailure,
  Task,
  concurrentFlow,
  execute,
  flowSchema,
  sequentialFlow,
  taskableOperation,
  type FlowGenerator,
} from 'mazepa';

const quiet = { showProgress: false } as const;

describe('execute', () => {
  it('should run tasks in the order they are yielded on the local queue', async () => {
    const order: string[] = [];
    const record = taskableOperation(function recordOrder(label: string) {
      order.push(label);
    });
    const inner = flowSchema(function* inner(prefix: string) {
      yield record.makeTask(`${prefix}1`);
      yield record.makeTask(`${prefix}2`);
    });
    const outer = flowSchema(function* outer() {
      yield record.makeTask('a');
      yield [record.makeTask('b'), record.makeTask('c')];
      yield new Dependency();
      yield inner('sub');
      yield record.makeTask('d');
      yield new Dependency();
      yield record.makeTask('e');
    });
    const summary = await execute(outer(), quiet);
    // The subflow starts when it is yielded and gets its turn once the parent waits.
    expect(order).toEqual(['a', 'b', 'c', 'd', 'sub1', 'sub2', 'e']);
    expect(summary.succeeded).toBe(7);
    expect(summary.operations['recordOrder']).toMatchObject({ submitted: 7, succeeded: 7, failed: 0 });
  });

  it('should resume a flow only after its dependency is done, with the result on the task', async () => {
    const double = taskableOperation(async function double(x: number) {
      await Promise.resolve();
      return x * 2;
    });
    const seen: unknown[] = [];
    const flow = new Flow(function* (): FlowGenerator {
      const task = double.makeTask(21);
      yield task;
      yield new Dependency(task);
      seen.push(task.status, task.outcome?.returnValue);
    });
    await execute(flow, quiet);
    expect(seen).toEqual(['succeeded', 42]);
  });

  it('should give typed results through yield*', async () => {
    const add = taskableOperation(function add(a: number, b: number) {
      return a + b;
    });
    const inner = flowSchema(function* innerSum(n: number) {
      const x = yield* add.makeTask(n, 1).result();
      return x * 10;
    });
    let got: number | undefined;
    const outer = flowSchema(function* outerSum() {
      got = yield* inner(4).result();
    });
    await execute(outer(), quiet);
    expect(got).toBe(50);
  });

  it('should let a flow wait on a task of another flow', async () => {
    const log: string[] = [];
    const slow = taskableOperation(async function slowStep(label: string) {
      for (let i = 0; i < 5; i++) await Promise.resolve();
      log.push(label);
      return label.toUpperCase();
    });
    const shared = slow.makeTask('shared');
    const producer = flowSchema(function* producer() {
      yield shared;
    });
    const consumer = flowSchema(function* consumer() {
      yield new Dependency(shared);
      log.push(`consumer saw ${String(shared.outcome?.returnValue)}`);
    });
    await execute(concurrentFlow([producer(), consumer()]), quiet);
    expect(log).toEqual(['shared', 'consumer saw SHARED']);
  });

  it('should run identical task ids once per execution', async () => {
    let calls = 0;
    const once = taskableOperation(function countedOnce(_x: number) {
      calls++;
    });
    const summary = await execute(
      new Flow(function* () {
        yield [once.makeTask(1), once.makeTask(1)];
        yield once.makeTask(1);
        yield new Dependency();
        yield once.makeTask(1);
      }),
      quiet,
    );
    expect(calls).toBe(1);
    expect(summary.succeeded).toBe(1);
  });

  it('should throw a failed task error into the waiting flow so it can catch it', async () => {
    const boom = taskableOperation(function boom(): void {
      throw new RangeError('bad chunk');
    });
    const caught: unknown[] = [];
    const flow = new Flow(function* () {
      try {
        yield boom.makeTask();
        yield new Dependency();
      } catch (error) {
        caught.push(error);
      }
    });
    const summary = await execute(flow, quiet);
    expect(caught).toHaveLength(1);
    expect(caught[0]).toBeInstanceOf(RangeError);
    expect((caught[0] as Error).message).toBe('bad chunk');
    expect(summary.failed).toBe(1);
  });

  it('should throw a failure at the next wait even when it happened while the flow ran on', async () => {
    const boom = taskableOperation(function failsEarly(): void {
      throw new Error('early failure');
    });
    const fine = taskableOperation(function fineLater(_i: number) {});
    const caught: string[] = [];
    const flow = new Flow(function* () {
      yield boom.makeTask();
      // The failure arrives while the flow is still yielding; the next wait reports it.
      for (let i = 0; i < 3; i++) yield fine.makeTask(i);
      try {
        yield new Dependency();
      } catch (error) {
        caught.push((error as Error).message);
      }
    });
    await execute(flow, quiet);
    expect(caught).toEqual(['early failure']);
  });

  it('should fail a flow that ends without waiting on a task that failed', async () => {
    const boom = taskableOperation(function failsUnwatched(): void {
      throw new Error('nobody waited');
    });
    const failure = await execute(
      new Flow(function* () {
        yield boom.makeTask();
      }),
      quiet,
    ).catch((e: unknown) => e as Error);
    expect(failure).toBeInstanceOf(MazepaExecutionFailure);
    expect((failure as Error).message).toContain('nobody waited');
  });

  it('should reject with MazepaExecutionFailure whose cause is the task error', async () => {
    const boom = taskableOperation(function failingStep(): void {
      throw new TypeError('no such chunk');
    });
    const task = boom.makeTask();
    const failure = await execute(sequentialFlow([task]), quiet).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MazepaExecutionFailure);
    const f = failure as MazepaExecutionFailure;
    expect(f.cause).toBeInstanceOf(TypeError);
    expect(f.taskId).toBe(task.id);
    expect(f.message).toContain("operation 'failingStep'");
    expect(f.message).toContain('no such chunk');
  });

  it('should propagate an uncaught failure through parent flows', async () => {
    const boom = taskableOperation(function deepFailure(): void {
      throw new Error('deep');
    });
    const inner = flowSchema(function* failingInner() {
      yield boom.makeTask();
    });
    const seen: string[] = [];
    const outer = flowSchema(function* catchingOuter() {
      try {
        yield* inner().result();
      } catch (error) {
        seen.push((error as Error).message);
      }
    });
    await execute(outer(), quiet);
    expect(seen).toEqual(['deep']);
  });

  it('should mark failed tasks and go on with raiseOnFailedTask: false', async () => {
    const flaky = taskableOperation(function maybeFail(i: number) {
      if (i % 2) throw new Error(`odd ${i}`);
      return i;
    });
    let after = false;
    const tasks = [0, 1, 2, 3].map((i) => flaky.makeTask(i));
    const summary = await execute(
      new Flow(function* () {
        yield tasks;
        yield new Dependency();
        after = true;
      }),
      { ...quiet, raiseOnFailedTask: false },
    );
    expect(after).toBe(true);
    expect(summary).toMatchObject({ succeeded: 2, failed: 2 });
    expect(tasks.map((t) => t.status)).toEqual(['succeeded', 'failed', 'succeeded', 'failed']);
    expect(tasks[1]!.outcome?.error?.message).toBe('odd 1');
  });

  it('should throw a clear error into a flow that waits on something never yielded', async () => {
    const op = taskableOperation(function neverYielded(_x: number) {});
    const stray = op.makeTask(7);
    let message = '';
    await execute(
      new Flow(function* () {
        try {
          yield new Dependency(stray);
        } catch (error) {
          message = (error as Error).message;
          if (!(error instanceof MazepaError)) throw error;
        }
      }),
      quiet,
    );
    expect(message).toContain(`task ${stray.id} (operation 'neverYielded')`);
    expect(message).toContain('never yielded');
  });

  it('should throw a deadlock error into a flow that waits on itself or on its ancestor', async () => {
    const messages: string[] = [];
    const waitOn = (target: () => Flow<unknown>) =>
      function* waits(): Generator<Dependency, void> {
        try {
          yield new Dependency(target());
        } catch (error) {
          messages.push((error as Error).message);
        }
      };
    const self: Flow<unknown> = new Flow(waitOn(() => self));
    const outer: Flow<unknown> = new Flow(function* outerFlow() {
      yield new Flow(function* innerFlow() {
        yield new Flow(waitOn(() => outer)); // its grandparent: an ancestor, not its parent only
      });
    });
    await execute([self, outer], quiet);
    expect(messages).toEqual([
      expect.stringMatching(/Flow 'waits' waits on itself, which can only finish after it: a deadlock/),
      expect.stringMatching(/Flow 'waits' waits on its ancestor 'outerFlow', which can only finish after it/),
    ]);
  });

  it('should fail the execution when a flow yields something that is not a task, flow or dependency', async () => {
    const failure = await execute(
      new Flow(function* badYield() {
        yield undefined as never;
      }),
      quiet,
    ).catch((e: unknown) => e as MazepaExecutionFailure);
    expect(failure).toBeInstanceOf(MazepaExecutionFailure);
    expect((failure as Error).message).toContain("Flow 'badYield' yielded undefined");
  });

  it('should run the stages of a sequentialFlow one after another, with callbacks in the orchestrator', async () => {
    const log: string[] = [];
    const step = taskableOperation(async function seqStep(label: string) {
      await Promise.resolve();
      log.push(label);
    });
    await execute(sequentialFlow([step.makeTask('one'), () => log.push('callback'), step.makeTask('two')]), quiet);
    expect(log).toEqual(['one', 'callback', 'two']);
  });

  it('should run a bare task, and an array of tasks and flows', async () => {
    const op = taskableOperation(function bare(x: number) {
      return x;
    });
    expect((await execute(op.makeTask(1), quiet)).succeeded).toBe(1);
    const summary = await execute(
      [
        op.makeTask(2),
        new Flow(function* () {
          yield op.makeTask(3);
        }),
      ],
      quiet,
    );
    expect(summary.succeeded).toBe(2);
  });

  it('should detect flows that wait on each other', async () => {
    const a = new Flow(function* flowA(): FlowGenerator {
      yield new Dependency(b);
    });
    const b = new Flow(function* flowB(): FlowGenerator {
      yield new Dependency(a);
    });
    const failure = await execute(concurrentFlow([a, b]), quiet).catch((e: unknown) => e as Error);
    expect(failure).toBeInstanceOf(MazepaExecutionFailure);
    expect((failure as Error).message).toContain('flows wait on each other');
  });

  it('should cancel on abort: running tasks see their signal and the promise rejects', async () => {
    const controller = new AbortController();
    let sawAbort = false;
    const { taskContext } = await import('mazepa');
    const hang = taskableOperation(function hang() {
      return new Promise<void>((resolve) => {
        taskContext()!.signal.addEventListener('abort', () => {
          sawAbort = true;
          resolve();
        });
        controller.abort(new Error('user stop'));
      });
    });
    const failure = await execute(hang.makeTask(), { ...quiet, signal: controller.signal }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MazepaError);
    expect((failure as Error).message).toContain('was cancelled');
    expect(sawAbort).toBe(true);
  });

  it('should accept a task built with new Task and a given id', async () => {
    const task = new Task({ fn: (x: number) => x + 1, args: [1], operationName: 'inc', id: 'my-id' });
    await execute(task, quiet);
    expect(task.outcome?.returnValue).toBe(2);
  });
});
