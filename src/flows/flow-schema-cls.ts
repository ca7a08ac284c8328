import { Flow, type FlowGenerator } from './flow.js';
import type { FlowSchemaOptions } from './flow-schema.js';
import { isDecoratorContext } from './taskable-operation-cls.js';

/** A class whose instances are flow schemas: it defines `*flow(...args)`. */
export type FlowSchemaClass = abstract new (...args: any[]) => {
  /** The flow's generator method. */
  flow(...args: any[]): FlowGenerator<any>;
};

type FlowReturn<I extends { flow(...args: any[]): FlowGenerator<any> }> =
  ReturnType<I['flow']> extends FlowGenerator<infer R> ? R : never;

/** What a flow schema class's instances gain: `makeFlow`, typed by their `flow`. */
export interface FlowSchemaInstance<
  I extends {
    /** The flow's generator method. */
    flow(...args: any[]): FlowGenerator<any>;
  },
> {
  /** A flow that runs this instance's `flow` generator with these arguments. */
  makeFlow(...args: Parameters<I['flow']>): Flow<FlowReturn<I>>;
}

/** The class {@link flowSchemaCls} returns. */
export type FlowSchemaClassOf<C extends FlowSchemaClass> = Omit<C, 'prototype'> & {
  new (...args: ConstructorParameters<C>): InstanceType<C> & FlowSchemaInstance<InstanceType<C>>;
  readonly prototype: InstanceType<C> & FlowSchemaInstance<InstanceType<C>>;
  /** The name its flows carry. */
  readonly flowName: string;
};

/**
 * Makes a class with a `*flow(...args)` generator method a flow schema: instances get
 * `makeFlow(...args)`. A TC39 class decorator (`@flowSchemaCls`) and a function that returns the
 * typed class. Flows are named after the class by default.
 *
 * @example
 * ```ts
 * import { execute, flowSchemaCls, type FlowGenerator } from 'mazepa';
 * const GreetMany = flowSchemaCls(class GreetMany {
 *   *flow(names: string[]): FlowGenerator { for (const n of names) console.log(n); }
 * });
 * await execute(new GreetMany().makeFlow(['Albert']));
 * ```
 */
export function flowSchemaCls<C extends FlowSchemaClass>(cls: C, context: ClassDecoratorContext<C>): C;
export function flowSchemaCls<C extends FlowSchemaClass>(cls: C, options?: FlowSchemaOptions): FlowSchemaClassOf<C>;
export function flowSchemaCls(
  options: FlowSchemaOptions,
): <C extends FlowSchemaClass>(cls: C, context: ClassDecoratorContext<C>) => C;
export function flowSchemaCls(
  clsOrOptions: FlowSchemaClass | FlowSchemaOptions,
  contextOrOptions?: ClassDecoratorContext | FlowSchemaOptions,
): unknown {
  if (typeof clsOrOptions !== 'function') {
    const options = clsOrOptions ?? {};
    return (cls: FlowSchemaClass) => makeSchemaClass(cls, options);
  }
  return makeSchemaClass(
    clsOrOptions as FlowSchemaClass,
    isDecoratorContext(contextOrOptions) ? {} : (contextOrOptions ?? {}),
  );
}

function makeSchemaClass(cls: FlowSchemaClass, options: FlowSchemaOptions): unknown {
  if (typeof cls.prototype?.flow !== 'function') {
    throw new TypeError(`flowSchemaCls: class ${cls.name || '(anonymous)'} must define *flow(...args)`);
  }
  const flowName = options.name ?? (cls.name || 'flow');
  Object.defineProperty(cls, 'flowName', { value: flowName, enumerable: true, configurable: true });
  Object.defineProperty(cls.prototype, 'makeFlow', {
    value: function makeFlow(this: { flow(...args: unknown[]): FlowGenerator<unknown> }, ...args: unknown[]) {
      return new Flow({ fn: (...a: unknown[]) => this.flow(...a), args, name: flowName });
    },
    configurable: true,
  });
  return cls;
}
