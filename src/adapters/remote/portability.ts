import { encodeValue } from '../../flows/codec/index.js';
import { lookupOperation } from '../../flows/registry.js';
import type { Task } from '../../flows/task.js';

/**
 * Why `task` could not run outside this process (on threads or SQS workers), or `undefined` when
 * it could: an argument the codec refuses (which also makes its id random), an operation that
 * is not registered (a task made with `new Task({ fn })`), or a task made by hand under the name
 * of a registered operation.
 *
 * @internal
 */
export function whyLocalOnly(task: Task): string | undefined {
  if (task.unencodable !== undefined) {
    return `${task.unencodable}, so its id is random and a checkpoint never skips it`;
  }
  const operation = lookupOperation(task.operationName);
  if (operation === undefined) {
    return 'its operation is not registered; make it with taskableOperation or taskableOperationCls';
  }
  if (operation.kind === 'function' ? operation.fn !== task.fn : task.constructorArgs === undefined) {
    return `it was made by hand under the name of the registered ${operation.kind} '${task.operationName}'; use its makeTask`;
  }
  return undefined;
}

/**
 * Why a task's return value could not be sent back from a remote worker, or `undefined` when it
 * could. Plain strings, numbers and booleans are never encoded to find out.
 *
 * @internal
 */
export function whyResultLocalOnly(value: unknown): string | undefined {
  const type = typeof value;
  if (value === null || type === 'string' || type === 'number' || type === 'boolean' || type === 'undefined') {
    return undefined;
  }
  try {
    encodeValue(value, 'returnValue');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
