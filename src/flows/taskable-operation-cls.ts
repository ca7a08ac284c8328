import { registerClass } from './codec/index.js';
import { registerOperation } from './registry.js';
import { Task } from './task.js';
import { checkRunOptions, type TaskableOperationOptions } from './taskable-operation.js';

/** A class whose instances are operations: it defines `call(...args)`. */
export type OperationClass = abstract new (...args: any[]) => {
  /** The operation: what a task of the instance runs. */
  call(...args: any[]): unknown;
};

/**
 * What a taskable class's instances gain: `makeTask`, typed by their `call`. With the decorator,
 * merge it into the class, derived from the class itself so the two cannot disagree.
 *
 * @example
 * ```ts
 * import { taskableOperationCls, type TaskableInstance } from 'mazepa';
 * @taskableOperationCls
 * class Resize {
 *   call(size: number) { return size * 2; }
 * }
 * interface Resize extends TaskableInstance<Pick<Resize, 'call'>> {}
 * new Resize().makeTask(3); // makeTask('3') does not compile
 * ```
 */
export interface TaskableInstance<
  I extends {
    /** The operation: what a task of the instance runs. */
    call(...args: any[]): unknown;
  },
> {
  /** A task that calls this instance's `call` with these arguments. */
  makeTask(...args: Parameters<I['call']>): Task<Awaited<ReturnType<I['call']>>, Parameters<I['call']>>;
}

/** The class {@link taskableOperationCls} returns: the same class, whose instances make tasks. */
export type TaskableClass<C extends OperationClass> = Omit<C, 'prototype'> & {
  new (...args: ConstructorParameters<C>): InstanceType<C> & TaskableInstance<InstanceType<C>>;
  readonly prototype: InstanceType<C> & TaskableInstance<InstanceType<C>>;
  /** The operation's name. */
  readonly operationName: string;
};

const CONSTRUCTOR_ARGS = Symbol('mazepa.constructorArgs');

/**
 * Makes a class with a `call(...args)` method an operation whose instances have
 * `makeTask(...args)`. A task carries the instance's constructor arguments (they are part of its
 * id), so a remote worker can rebuild the instance. Works as a TC39 class decorator
 * (`@taskableOperationCls` or `@taskableOperationCls({ maxRetry: 2 })`) and as a function that
 * returns the typed class. The operation name defaults to the class name.
 *
 * @example
 * ```ts
 * import { execute, taskableOperationCls } from 'mazepa';
 * const Greet = taskableOperationCls(class GreetOperation {
 *   constructor(readonly greeting = 'Hi') {}
 *   call(name: string) { return `${this.greeting} ${name}!`; }
 * });
 * await execute(new Greet('Hello').makeTask('Albert'));
 * ```
 */
export function taskableOperationCls<C extends OperationClass>(cls: C, context: ClassDecoratorContext<C>): C;
export function taskableOperationCls<C extends OperationClass>(
  cls: C,
  options?: TaskableOperationOptions,
): TaskableClass<C>;
export function taskableOperationCls(
  options: TaskableOperationOptions,
): <C extends OperationClass>(cls: C, context: ClassDecoratorContext<C>) => C;
export function taskableOperationCls(
  clsOrOptions: OperationClass | TaskableOperationOptions,
  contextOrOptions?: ClassDecoratorContext | TaskableOperationOptions,
): unknown {
  if (typeof clsOrOptions !== 'function') {
    const options = clsOrOptions ?? {};
    return (cls: OperationClass) => makeTaskable(cls, options);
  }
  return makeTaskable(clsOrOptions, isDecoratorContext(contextOrOptions) ? {} : (contextOrOptions ?? {}));
}

/** True for the context object a TC39 decorator receives. @internal */
export function isDecoratorContext(value: unknown): value is ClassDecoratorContext {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'class' &&
    typeof (value as { addInitializer?: unknown }).addInitializer === 'function'
  );
}

/** Extends `cls` so that instances remember their constructor arguments. @internal */
export function recordingConstructorArgs<C extends abstract new (...args: any[]) => object>(cls: C): C {
  const base = cls as unknown as new (...args: any[]) => object;
  const recording = class extends base {
    constructor(...args: any[]) {
      super(...args);
      Object.defineProperty(this, CONSTRUCTOR_ARGS, { value: args });
    }
  };
  Object.defineProperty(recording, 'name', { value: cls.name });
  return recording as unknown as C;
}

/** The constructor arguments an instance was made with. @internal */
export function constructorArgsOf(instance: object): unknown[] {
  return (instance as { [CONSTRUCTOR_ARGS]?: unknown[] })[CONSTRUCTOR_ARGS] ?? [];
}

function makeTaskable(cls: OperationClass, options: TaskableOperationOptions): unknown {
  if (typeof cls.prototype?.call !== 'function') {
    throw new TypeError(`taskableOperationCls: class ${cls.name || '(anonymous)'} must define call(...args)`);
  }
  const operationName = options.operationName ?? cls.name;
  if (!operationName) {
    throw new TypeError("taskableOperationCls: the class has no name; pass option 'operationName'");
  }
  const runOptions = checkRunOptions('taskableOperationCls', options);
  const taskable = recordingConstructorArgs(cls);
  Object.defineProperty(taskable, 'operationName', { value: operationName, enumerable: true });
  Object.defineProperty(taskable.prototype, 'makeTask', {
    value: function makeTask(this: { call(...args: unknown[]): unknown }, ...args: unknown[]) {
      return new Task({
        fn: (...callArgs: unknown[]) => this.call(...callArgs),
        args,
        operationName,
        constructorArgs: constructorArgsOf(this),
        ...runOptions,
      });
    },
  });
  registerOperation({
    kind: 'class',
    name: operationName,
    cls: taskable as unknown as new (...args: any[]) => { call(...args: any[]): unknown },
    options: runOptions,
  });
  // Instances travel too (as arguments or results): as their constructor arguments, rebuilt with
  // `new` on the other side, under a name of their own that the operation name fixes.
  const construct = taskable as unknown as new (...args: unknown[]) => object;
  registerClass(construct, {
    name: `mazepa.operation:${operationName}`,
    encode: (instance) => constructorArgsOf(instance),
    decode: (data) => new construct(...(data as unknown[])),
  });
  return taskable;
}
