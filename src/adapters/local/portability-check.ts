import { MazepaError } from '../../flows/errors.js';
import { serializeError } from '../../flows/serialized-error.js';
import type { Task, TaskOutcome } from '../../flows/task.js';
import { whyLocalOnly, whyResultLocalOnly } from '../remote/portability.js';

/** What the local queue does about tasks that could not run remotely. @internal */
export interface PortabilityCheck {
  /** In strict mode, the error that refuses `task`; else `undefined` (after a warning if due). */
  checkTask(task: Task): MazepaError | undefined;
  /** The outcome to report: in strict mode a failure when the result could not travel back. */
  checkOutcome(task: Task, outcome: TaskOutcome): TaskOutcome;
}

/**
 * Finds the tasks that run here but would fail on threads or SQS: arguments or results the
 * codec refuses, and tasks not made by a registered operation. Not strict, it warns once per
 * operation and kind of problem (a process warning, code `MAZEPA_LOCAL_ONLY`) and checks only
 * the first result of each operation; strict, it refuses every such task and result.
 *
 * @internal
 */
export function createPortabilityCheck(owner: string, strict: boolean): PortabilityCheck {
  const warned = new Set<string>();
  const resultsSeen = new Set<string>();
  const warn = (key: string, message: string): void => {
    if (warned.has(key)) return;
    warned.add(key);
    process.emitWarning(`${message}; pass strict: true (mazepa run --strict) to refuse it as SQS would`, {
      type: 'MazepaWarning',
      code: 'MAZEPA_LOCAL_ONLY',
    });
  };
  // The function of the last task found portable: the next tasks of its operation need no lookup.
  let portableFn: unknown;
  let portableOperation: string | undefined;
  return {
    checkTask(task) {
      if (task.fn === portableFn && task.operationName === portableOperation && task.unencodable === undefined) {
        return undefined;
      }
      const why = whyLocalOnly(task);
      if (why === undefined) {
        // Class operations' tasks share no function: only function operations are remembered.
        if (task.constructorArgs === undefined) {
          portableFn = task.fn;
          portableOperation = task.operationName;
        }
        return undefined;
      }
      const what = `task ${task.id} (operation '${task.operationName}')`;
      if (strict) {
        return new MazepaError(`${owner} (strict): ${what} could not run on threads or SQS: ${why}`, {
          taskId: task.id,
        });
      }
      warn(`task:${task.operationName}`, `${owner}: ${what} runs here but could not run on threads or SQS: ${why}`);
      return undefined;
    },
    checkOutcome(task, outcome) {
      if (outcome.error !== undefined) return outcome;
      if (!strict) {
        if (resultsSeen.has(task.operationName)) return outcome;
        resultsSeen.add(task.operationName);
      }
      const why = whyResultLocalOnly(outcome.returnValue);
      if (why === undefined) return outcome;
      const what = `task ${task.id} (operation '${task.operationName}') returned a value that could not be sent back from a remote worker: ${why}`;
      if (!strict) {
        warn(`result:${task.operationName}`, `${owner}: ${what}`);
        return outcome;
      }
      const error = new MazepaError(`${owner} (strict): ${what}`, { taskId: task.id });
      return { error: serializeError(error), executionSecs: outcome.executionSecs };
    },
  };
}
