import { MazepaError } from './errors.js';
import type { TaskRunOptions } from './task.js';

/** An operation that workers can run by name. @internal */
export type RegisteredOperation =
  | {
      readonly kind: 'function';
      readonly name: string;
      readonly fn: (...args: any[]) => unknown;
      readonly options: TaskRunOptions;
    }
  | {
      readonly kind: 'class';
      readonly name: string;
      readonly cls: new (...args: any[]) => { call(...args: any[]): unknown };
      readonly options: TaskRunOptions;
    };

const operations = new Map<string, RegisteredOperation>();

/**
 * Every copy of mazepa loaded in this process adds its address here (a registry shared through
 * the global symbol registry): two copies (a global `mazepa` command and the project's own, say)
 * have two operation registries, and a worker of one cannot see what modules registered in the other.
 */
const COPIES = Symbol.for('mazepa.copies');
const copies = ((globalThis as { [COPIES]?: string[] })[COPIES] ??= []);
copies.push(import.meta.url);

/** The addresses of the copies of mazepa loaded in this process (more than one: trouble). @internal */
export function mazepaCopies(): readonly string[] {
  return copies;
}

/**
 * Registers an operation under its name. Registering the same function or class again is a no-op;
 * a different one under a name already taken is an error, since workers look operations up by name.
 *
 * @internal
 */
export function registerOperation(operation: RegisteredOperation): void {
  const existing = operations.get(operation.name);
  if (existing !== undefined && implementationOf(existing) !== implementationOf(operation)) {
    throw new MazepaError(
      `Operation name '${operation.name}' is already registered to another ${existing.kind}; ` +
        `give one of them a distinct operationName`,
    );
  }
  operations.set(operation.name, operation);
}

/** The operation registered under `name`, if any. @internal */
export function lookupOperation(name: string): RegisteredOperation | undefined {
  return operations.get(name);
}

/** The names of every registered operation. @internal */
export function registeredOperationNames(): string[] {
  return [...operations.keys()];
}

function implementationOf(operation: RegisteredOperation): unknown {
  return operation.kind === 'function' ? operation.fn : operation.cls;
}
