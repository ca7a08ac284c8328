import { Flow, refuseAsyncGenerator, type FlowGenerator } from './flow.js';

/** Options of {@link flowSchema} and {@link flowSchemaCls}. */
export interface FlowSchemaOptions {
  /** The name flows of this schema carry in events and errors. @default the function's name */
  readonly name?: string;
}

/** A function whose call makes a {@link Flow}; see {@link flowSchema}. */
export type FlowSchema<A extends readonly unknown[], R> = ((...args: A) => Flow<R>) & {
  /** The name its flows carry. */
  readonly flowName: string;
};

/**
 * What a generator function of a flow returns at its end.
 *
 * @typeParam F - the generator function's type
 */
export type GeneratorReturn<F extends (...args: never[]) => FlowGenerator<unknown>> =
  ReturnType<F> extends Generator<unknown, infer R, unknown> ? R : never;

/**
 * Makes a generator function a flow schema: calling it makes a `Flow` with those arguments,
 * without running the generator (the execution runs it).
 *
 * @typeParam F - the generator function's type, from which the flow takes its parameters and result
 * @param fn - the generator function
 * @returns a function with `fn`'s parameters that returns a `Flow`
 * @example
 * ```ts
 * import { execute, flowSchema, taskableOperation } from 'mazepa';
 * const greet = taskableOperation(function greet(name: string) { console.log(`Hello ${name}!`); });
 * const greetMany = flowSchema(function* greetMany(names: string[]) {
 *   yield names.map((name) => greet.makeTask(name));
 * });
 * await execute(greetMany(['Albert', 'Isaac']));
 * ```
 */
export function flowSchema<F extends (...args: never[]) => FlowGenerator<unknown>>(
  fn: F,
  options?: FlowSchemaOptions,
): FlowSchema<Parameters<F>, GeneratorReturn<F>>;
export function flowSchema<A extends readonly unknown[], R = void>(
  fn: (...args: A) => FlowGenerator<R>,
  options: FlowSchemaOptions = {},
): FlowSchema<A, R> {
  if (typeof fn !== 'function') {
    throw new TypeError(`flowSchema: fn must be a generator function, received ${typeof fn}`);
  }
  refuseAsyncGenerator('flowSchema', fn);
  const flowName = options.name ?? (fn.name || 'flow');
  const schema = ((...args: A) => new Flow<R>({ fn, args, name: flowName })) as FlowSchema<A, R>;
  Object.defineProperty(schema, 'flowName', { value: flowName, enumerable: true });
  Object.defineProperty(schema, 'name', { value: fn.name });
  return schema;
}
