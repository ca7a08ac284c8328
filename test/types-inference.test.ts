// Type-level tests: `npm run typecheck` checks the expectTypeOf calls and the expected errors
// (an expect-error directive with no error under it fails the typecheck).
/* eslint-disable @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type --
   merging an interface into a decorated class is how TypeScript learns what the decorator adds. */
import { readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  execute,
  flowSchema,
  flowSchemaCls,
  taskableOperation,
  taskableOperationCls,
  type Flow,
  type FlowGenerator,
  type FlowSchemaInstance,
  type Task,
  type TaskableInstance,
} from 'mazepa';
import { isTaskOf } from 'mazepa/testing';

const quiet = { showProgress: false } as const;

const scaleBy = taskableOperation(function typesScaleBy(value: number, factor = 2) {
  expectTypeOf(factor).toEqualTypeOf<number>();
  return value * factor;
});

const pipeline = flowSchema(function* typesPipeline(dir: string, threshold = 0.5) {
  expectTypeOf(threshold).toEqualTypeOf<number>();
  const scaled = yield* scaleBy.makeTask(dir.length, threshold).result();
  expectTypeOf(scaled).toEqualTypeOf<number>();
  return scaled;
});

@taskableOperationCls
class TypesDouble {
  call(x: number): number {
    return x * 2;
  }
}
interface TypesDouble extends TaskableInstance<Pick<TypesDouble, 'call'>> {}

@flowSchemaCls
class TypesDoubleFlow {
  *flow(x: number): FlowGenerator<number> {
    return yield* new TypesDouble().makeTask(x).result();
  }
}
interface TypesDoubleFlow extends FlowSchemaInstance<Pick<TypesDoubleFlow, 'flow'>> {}

describe('types of parameters with defaults', () => {
  it('should type a parameter with a default from its default in taskableOperation and flowSchema', async () => {
    expectTypeOf(scaleBy.makeTask).parameters.toEqualTypeOf<[value: number, factor?: number]>();
    expectTypeOf(scaleBy.makeTask(1)).toEqualTypeOf<Task<number, [value: number, factor?: number]>>();
    expectTypeOf(pipeline).parameters.toEqualTypeOf<[dir: string, threshold?: number]>();
    expectTypeOf(pipeline('abc')).toEqualTypeOf<Flow<number>>();
    // @ts-expect-error the default is a number
    pipeline('abc', 'high');
    const root = pipeline('abcd', 0.25);
    await execute(root, quiet);
    expect(root.outcome?.returnValue).toBe(1);
  });

  it('should keep void flows and async operations as they were', () => {
    const empty = flowSchema(function* typesEmpty() {});
    expectTypeOf(empty()).toEqualTypeOf<Flow<void>>();
    const later = taskableOperation(async function typesLater(n: number) {
      await Promise.resolve();
      return String(n);
    });
    expectTypeOf(later.makeTask(1)).toEqualTypeOf<Task<string, [n: number]>>();
  });
});

describe('interfaces derived from the decorated class', () => {
  it('should type makeTask and makeFlow from the class itself', async () => {
    expectTypeOf(new TypesDouble().makeTask).parameters.toEqualTypeOf<[x: number]>();
    // @ts-expect-error call takes a number, and the interface cannot say otherwise
    new TypesDouble().makeTask('text');
    expectTypeOf(new TypesDoubleFlow().makeFlow(1)).toEqualTypeOf<Flow<number>>();
    const root = new TypesDoubleFlow().makeFlow(21);
    await execute(root, quiet);
    expect(root.outcome?.returnValue).toBe(42);
  });
});

const pipelineStep = taskableOperation(function typesStep(name: string) {
  return name;
});

describe('isTaskOf', () => {
  it("should narrow a marble queue's task to the operation's typed arguments", () => {
    const task: Task = scaleBy.makeTask(3, 4);
    expect(isTaskOf(scaleBy, task)).toBe(true);
    if (isTaskOf(scaleBy, task)) expectTypeOf(task.args).toEqualTypeOf<[value: number, factor?: number]>();
    expect(isTaskOf(pipelineStep, task)).toBe(false);
  });
});

describe('the marble snippet of docs/testing.md', () => {
  it('should be marbles/readme-example.marble.test.ts, which the typecheck compiles', () => {
    const readme = readFileSync('docs/testing.md', 'utf8');
    const start = readme.indexOf('```ts\n', readme.indexOf('[`marbles/readme-example.marble.test.ts`]')) + 6;
    const snippet = readme.slice(start, readme.indexOf('```\n', start));
    const file = readFileSync('marbles/readme-example.marble.test.ts', 'utf8');
    expect(snippet).toBe(file.slice(file.indexOf('import ')));
  });
});
