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
