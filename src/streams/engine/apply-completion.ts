import type { BatchingSink } from './batching-sink.js';
import type { Gate } from './gate.js';
import type { TaskNode } from './nodes.js';
import type { Completion } from './retry-stage.js';
import { copyOutcome, type TaskTable } from './task-table.js';

/** What applying a completion touches. @internal */
export interface ApplyCompletionConfig {
  readonly raiseOnFailedTask: boolean;
  readonly tasks: TaskTable;
  readonly sink: Pick<BatchingSink, 'settled'>;
  readonly gate: Pick<Gate, 'settle'>;
  /** A task failed for good: its error's origin, should it reach the root. */
  readonly taskFailed: (node: TaskNode, error: Error) => void;
}

/**
 * Makes the observer of the completion stream: the task table keeps only the task's value, the
 * Task objects with its id get the outcome, the sink counts it out of flight, and the gate
 * resumes the flows waiting on it (or throws its failure into them) in the same call.
 *
 * @internal
 */
export function applyCompletion(config: ApplyCompletionConfig): (completion: Completion) => void {
  const { raiseOnFailedTask, tasks, sink, gate, taskFailed } = config;
  return ({ node, outcome, error }) => {
    if (error !== undefined) taskFailed(node, error);
    tasks.done(node.id, outcome, error);
    copyOutcome(node.task, outcome, error);
    if (node.aliases !== undefined) for (const alias of node.aliases) copyOutcome(alias, outcome, error);
    sink.settled();
    gate.settle(node, error, raiseOnFailedTask);
  };
}
