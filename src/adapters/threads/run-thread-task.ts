import { asyncScheduler } from 'rxjs';
import { decodeValue, encodeValue } from '../../flows/codec/index.js';
import { MazepaError } from '../../flows/errors.js';
import { lookupOperation, registeredOperationNames } from '../../flows/registry.js';
import { serializeError } from '../../flows/serialized-error.js';
import type { TaskOutcome } from '../../flows/task.js';
import { runAttempt } from '../run-task.js';
import type { ThreadTaskMessage, ThreadTaskResult } from './thread-message.js';

/**
 * Runs one attempt a worker thread received: looks its operation up by name, decodes the
 * arguments, rebuilds a class operation's instance from its constructor arguments, runs it in
 * its task context (so `taskContext()` works and an async attempt that passes its runtime limit
 * is aborted) and encodes what it returned. Never rejects: every failure is an outcome.
 *
 * @internal
 */
export function runThreadTask(message: ThreadTaskMessage): Promise<ThreadTaskResult> {
  let fn: (...args: any[]) => unknown;
  let args: unknown[];
  try {
    ({ fn, args } = rebuild(message));
  } catch (error) {
    return Promise.resolve({ error: serializeError(error), executionSecs: 0 });
  }
  const target = {
    id: message.taskId,
    attempt: message.attempt,
    runtimeLimitMs: message.runtimeLimitMs,
    fn,
    args,
  };
  return new Promise((resolve) => {
    const done = runAttempt(target, asyncScheduler, (outcome) => resolve(encodeOutcome(outcome)));
    if (done !== undefined) resolve(encodeOutcome(done));
  });
}

function rebuild(message: ThreadTaskMessage): { fn: (...args: any[]) => unknown; args: unknown[] } {
  const { operationName, taskId } = message;
  const operation = lookupOperation(operationName);
  if (operation === undefined) {
    const known = registeredOperationNames();
    throw new MazepaError(
      `Operation '${operationName}' is not registered in the worker thread; add the module that ` +
        `defines it to the ThreadExecutionQueue option 'imports' (registered there: ` +
        `${known.length === 0 ? 'none' : known.map((n) => `'${n}'`).join(', ')})`,
      { taskId },
    );
  }
  const args = decodeValue(message.args, 'args') as unknown[];
  if (operation.kind === 'function') return { fn: operation.fn, args };
  const constructorArgs = (
    message.constructorArgs === undefined ? [] : decodeValue(message.constructorArgs, 'constructorArgs')
  ) as unknown[];
  const instance = new operation.cls(...constructorArgs);
  return { fn: (...callArgs: unknown[]) => instance.call(...callArgs), args };
}

function encodeOutcome(outcome: TaskOutcome): ThreadTaskResult {
  const { executionSecs } = outcome;
  if (outcome.error !== undefined) return { error: outcome.error, executionSecs };
  try {
    return { returnValue: encodeValue(outcome.returnValue, 'returnValue'), executionSecs };
  } catch (error) {
    return { error: serializeError(error), executionSecs };
  }
}
