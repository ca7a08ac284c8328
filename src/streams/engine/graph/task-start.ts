import type { Task, TaskOutcome } from '../../../flows/task.js';
import type { ExecutionEvent } from '../../execution-event.js';
import type { Waits } from './waits.js';
import { addOwner, createTaskNode, isTaskNode, type FlowNode, type TaskNode } from './nodes.js';
import type { Stats } from '../stats.js';
import { copyOutcome, type TaskTable } from './task-table.js';

/** What starting a task needs from the graph around it. @internal */
export interface TaskStartConfig {
  readonly executionId: string;
  readonly tasks: TaskTable;
  /** The outcomes a checkpoint holds: those tasks are skipped. */
  readonly completed: ReadonlyMap<string, TaskOutcome> | undefined;
  /**
   * The outcome `completed` holds for a task under an id of another scheme (a checkpoint written
   * by an earlier mazepa): asked only when its own id is not there.
   */
  readonly completedUnder?: (task: Task) => TaskOutcome | undefined;
  readonly waits: Pick<Waits, 'adopt' | 'settleAwaited'>;
  readonly stats: Stats;
  readonly emit: (event: ExecutionEvent) => void;
}

/**
 * Makes the function that starts a yielded task: a task id already running gains an owner (and
 * the Task object gets its outcome too); one already done gives the object its outcome; one the
 * checkpoint holds is skipped (`task_skipped`); any other gets a node in the task table, counts
 * as its flow's child, and is returned, to go on to the sink.
 *
 * @internal
 */
export function createTaskStart(config: TaskStartConfig): (owner: FlowNode, task: Task) => TaskNode | undefined {
  const { executionId, tasks, completed, completedUnder, waits, stats, emit } = config;
  return (owner, task) => {
    const id = task.id;
    const existing = tasks.get(id, task.operationName);
    if (existing !== undefined) {
      if (!isTaskNode(existing)) {
        tasks.copyDone(task, id, existing);
        return undefined;
      }
      if (task !== existing.task) (existing.aliases ??= []).push(task);
      addOwner(existing, owner);
      return undefined;
    }
    const stored = completed === undefined ? undefined : (completed.get(id) ?? completedUnder?.(task));
    if (stored !== undefined) {
      tasks.done(id, stored, undefined, task.operationName);
      copyOutcome(task, stored, undefined);
      stats.skipped(task.operationName);
      emit({ type: 'task_skipped', executionId, taskId: id, operationName: task.operationName, outcome: stored });
      waits.settleAwaited(id, stored);
      return undefined;
    }
    const node = createTaskNode(task, owner);
    tasks.add(node);
    waits.adopt(id, node);
    owner.pendingChildren++;
    return node;
  };
}
