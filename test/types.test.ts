// Type-level tests: `npm run typecheck` (tsc on tsconfig.json, which includes test/) checks the
// expectTypeOf calls and the @ts-expect-error lines; the runtime assertions check the same values.
import type { Observable } from 'rxjs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  Flow,
  Task,
  all,
  execute,
  execution,
  flowSchema,
  taskableOperation,
  taskableOperationCls,
  LocalExecutionQueue,
  type ExecutionEvent,
  type ExecutionSummary,
  type ResultOf,
  type TaskOutcome,
} from 'mazepa';

const quiet = { showProgress: false } as const;

const add = taskableOperation(function typedAdd(a: number, b: number) {
  return a + b;
});
const fetchName = taskableOperation(async function typedFetchName(id: number): Promise<string> {
  await Promise.resolve();
  return `name-${id}`;
});
const Scale = taskableOperationCls(
  class TypedScale {
    constructor(readonly factor: number) {}
    async call(values: readonly number[], round: boolean): Promise<number[]> {
      await Promise.resolve();
      return values.map((v) => (round ? Math.round(v * this.factor) : v * this.factor));
    }
  },
);

describe('types', () => {
  it('should type yield* makeTask(...).result() as the operation return type, awaited', async () => {
    const got: unknown[] = [];
    const flow = flowSchema(function* typedResults() {
      const sum = yield* add.makeTask(1, 2).result();
      expectTypeOf(sum).toEqualTypeOf<number>();
      const name = yield* fetchName.makeTask(sum).result();
      expectTypeOf(name).toEqualTypeOf<string>();
      const scaled = yield* new Scale(1.5).makeTask([1, 2], true).result();
      expectTypeOf(scaled).toEqualTypeOf<number[]>();
      got.push(sum, name, scaled);
      return name.length;
    });
    const root = flow();
    await execute(root, quiet);
    expect(got).toEqual([3, 'name-3', [2, 3]]);
    expect(root.outcome?.returnValue).toBe(6);
  });

  it('should type makeTask with the function parameters and the task with the awaited result', () => {
    expectTypeOf(add.makeTask).parameters.toEqualTypeOf<[a: number, b: number]>();
    expectTypeOf(fetchName.makeTask).parameters.toEqualTypeOf<[id: number]>();
    expectTypeOf(fetchName.makeTask(1)).toEqualTypeOf<Task<string, [id: number]>>();
    expectTypeOf(fetchName.makeTask(1).outcome).toEqualTypeOf<TaskOutcome<string> | undefined>();
    // The operation stays a normal function with the same signature.
    expectTypeOf(add).toBeCallableWith(1, 2);
    expectTypeOf(add).returns.toEqualTypeOf<number>();
    expectTypeOf(fetchName).returns.toEqualTypeOf<Promise<string>>();
    expectTypeOf(add.operationName).toEqualTypeOf<string>();

    // @ts-expect-error a string where a number is expected
    const wrongType = add.makeTask('1', 2);
    // @ts-expect-error a missing argument
    const tooFew = add.makeTask(1);
    // @ts-expect-error an extra argument
    const tooMany = fetchName.makeTask(1, 2);
    expect([wrongType, tooFew, tooMany].every((t) => t instanceof Task)).toBe(true);
    expect(add(2, 3)).toBe(5);
  });

  it('should give taskableOperationCls classes typed constructors and typed makeTask', () => {
    const scale = new Scale(2);
    expectTypeOf(scale.factor).toEqualTypeOf<number>();
    expectTypeOf(scale.makeTask).parameters.toEqualTypeOf<[values: readonly number[], round: boolean]>();
    expectTypeOf(scale.makeTask([1], false)).toEqualTypeOf<
      Task<number[], [values: readonly number[], round: boolean]>
    >();
    expectTypeOf(Scale.operationName).toEqualTypeOf<string>();
    expectTypeOf(Scale).constructorParameters.toEqualTypeOf<[factor: number]>();

    // @ts-expect-error the constructor takes a number
    const badInstance = new Scale('2');
    // @ts-expect-error call takes number values
    const badTask = scale.makeTask(['1'], false);
    expect(badInstance).toBeInstanceOf(Scale);
    expect(badTask).toBeInstanceOf(Task);
    expect(Scale.operationName).toBe('TypedScale');
    expect(scale.makeTask([1], false).operationName).toBe('TypedScale');
  });

  it('should make flowSchema calls return a typed Flow', async () => {
    const schema = flowSchema(function* typedSchema(n: number, label: string) {
      const doubled = yield* add.makeTask(n, n).result();
      return `${label}:${doubled}`;
    });
    expectTypeOf(schema).parameters.toEqualTypeOf<[n: number, label: string]>();
    expectTypeOf(schema).returns.toEqualTypeOf<Flow<string>>();
    // @ts-expect-error the schema takes a number first
    const badFlow = schema('2', 'x');
    expect(badFlow).toBeInstanceOf(Flow);

    const outer = flowSchema(function* typedOuter() {
      const inner = yield* schema(4, 'four').result();
      expectTypeOf(inner).toEqualTypeOf<string>();
      return inner.toUpperCase();
    });
    expectTypeOf(outer).returns.toEqualTypeOf<Flow<string>>();
    const root = outer();
    await execute(root, quiet);
    expect(root.outcome?.returnValue).toBe('FOUR:8');
  });

  it('should type execute as Promise<ExecutionSummary> and execution as an Observable of events', async () => {
    expectTypeOf(execute(add.makeTask(20, 22), quiet)).toEqualTypeOf<Promise<ExecutionSummary<number>>>();
    expectTypeOf(execution).returns.toEqualTypeOf<Observable<ExecutionEvent>>();
    const summary = await execute(add.makeTask(20, 22), quiet);
    expectTypeOf(summary.succeeded).toEqualTypeOf<number>();
    expect(summary.succeeded).toBe(1);

    const types: ExecutionEvent['type'][] = [];
    await new Promise<void>((resolve, reject) =>
      execution(add.makeTask(1, 1), quiet).subscribe({
        next: (event) => {
          if (event.type === 'task_succeeded') {
            // The union narrows on `type`.
            expectTypeOf(event.outcome).toEqualTypeOf<TaskOutcome>();
          }
          types.push(event.type);
        },
        error: reject,
        complete: resolve,
      }),
    );
    expect(types[0]).toBe('execution_started');
    expect(types).toContain('task_succeeded');
    expect(types.at(-1)).toBe('execution_completed');
  });

  describe('summary.result', () => {
    it('should be what a Flow<T> returned, typed T', async () => {
      const flow = flowSchema(function* typedRootResult(n: number) {
        const sum = yield* add.makeTask(n, 1).result();
        return { sum, label: `n=${n}` };
      });
      const summary = await execute(flow(41), quiet);
      expectTypeOf(summary).toEqualTypeOf<ExecutionSummary<{ sum: number; label: string }>>();
      expect(summary.result).toEqual({ sum: 42, label: 'n=41' });
    });

    it("should be a Task<T>'s value, typed T (awaited)", async () => {
      const summary = await execute(fetchName.makeTask(7), quiet);
      expectTypeOf(summary.result).toEqualTypeOf<string>();
      expect(summary.result).toBe('name-7');
    });

    it('should be a typed tuple for a tuple target, and an array for an array', async () => {
      // eslint-disable-next-line require-yield
      const flow = flowSchema(function* typedOne() {
        return 1 as const;
      });
      const tuple = await execute([add.makeTask(1, 2), fetchName.makeTask(3), flow()], quiet);
      expectTypeOf(tuple.result).toEqualTypeOf<[number, string, 1]>();
      expect(tuple.result).toEqual([3, 'name-3', 1]);
      const tasks = [1, 2, 3].map((i) => add.makeTask(i, i));
      const list = await execute(tasks, quiet);
      expectTypeOf(list.result).toEqualTypeOf<number[]>();
      expect(list.result).toEqual([2, 4, 6]);
    });

    it('should be undefined for a task that failed with raiseOnFailedTask: false', async () => {
      const fails = taskableOperation(function typedFails(): number {
        throw new Error('no');
      });
      const summary = await execute(fails.makeTask(), { ...quiet, raiseOnFailedTask: false });
      expect(summary.failed).toBe(1);
      expect(summary.result).toBeUndefined();
    });
  });

  describe('all', () => {
    it('should give a typed tuple for tasks and flows, like Promise.all', async () => {
      const sub = flowSchema(function* typedSub(x: number) {
        return yield* add.makeTask(x, x).result();
      });
      const flow = flowSchema(function* typedAll() {
        const [a, b, c] = yield* all([add.makeTask(1, 2), fetchName.makeTask(5), sub(10)]);
        expectTypeOf(a).toEqualTypeOf<number>();
        expectTypeOf(b).toEqualTypeOf<string>();
        expectTypeOf(c).toEqualTypeOf<number>();
        const many = yield* all([1, 2, 3].map((i) => add.makeTask(i, 0)));
        expectTypeOf(many).toEqualTypeOf<number[]>();
        const none = yield* all([]);
        return { a, b, c, many, none };
      });
      const summary = await execute(flow(), quiet);
      expect(summary.result).toEqual({ a: 3, b: 'name-5', c: 20, many: [1, 2, 3], none: [] });
      expectTypeOf<ResultOf<[Task<number>, Flow<string>]>>().toEqualTypeOf<[number, string]>();
    });

    it('should start the tasks together, and throw the first failure where the flow can catch it', async () => {
      const started: string[] = [];
      const slow = taskableOperation(async function typedSlow(name: string) {
        started.push(name);
        await Promise.resolve();
        if (name === 'bad') throw new RangeError(`bad ${name}`);
        return name;
      });
      const flow = flowSchema(function* typedAllFails() {
        try {
          yield* all([slow.makeTask('a'), slow.makeTask('bad'), slow.makeTask('c')]);
          return 'not reached';
        } catch (error) {
          return (error as Error).message;
        }
      });
      const summary = await execute(flow(), { ...quiet, queue: new LocalExecutionQueue({ concurrency: 3 }) });
      expect(summary.result).toBe('bad bad');
      expect(started).toEqual(['a', 'bad', 'c']);
    });

    it('should refuse what is not a task or flow, naming the item', () => {
      const generator = all([add.makeTask(1, 1), 3 as never]);
      expect(() => generator.next()).toThrow(/all: item 1 must be a Task or a Flow, received a number/);
    });
  });
});
