// Type-level tests: `npm run typecheck` (tsc on tsconfig.json, which includes test/) checks the
// expectTypeOf calls and the @ts-expect-error lines; the runtime assertions check the same values.
import type { Observable } from 'rxjs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  Flow,
  Task,
  execute,
  execution,
  flowSchema,
  taskableOperation,
  taskableOperationCls,
  type ExecutionEvent,
  type ExecutionSummary,
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
    expectTypeOf(execute).returns.toEqualTypeOf<Promise<ExecutionSummary>>();
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
});
