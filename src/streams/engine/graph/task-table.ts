import type { Task, TaskOutcome } from '../../../flows/task.js';
import { isTaskNode, type TaskNode } from './nodes.js';
import { createTaskIds } from './task-ids.js';

/** What the table holds for a done task that returned `undefined`. */
const NOTHING: unknown = Object.freeze({ nothing: true });
/** Values per page: pages are never copied as the table grows. */
const PAGE_BITS = 16;
const PAGE_MASK = (1 << PAGE_BITS) - 1;

/**
 * Every task id of an execution: its {@link TaskNode} while it is not done, then only its return
 * value. Ids are kept compact (`task-ids.ts`: a derived id as 20 bytes of typed arrays), each with
 * an entry whose slot holds the node, then the value: a task costs one probe when it is yielded
 * and none when it is done (its node knows its entry). At 10^7 tasks this table is most of the
 * engine's memory. Shared by the stages. @internal
 */
export interface TaskTable {
  /** The node of a task that is not done, the stored value of a done one, or `undefined`. */
  get(id: string, operation?: string): TaskNode | unknown;
  /** The node of a task that is not done. */
  node(id: string): TaskNode | undefined;
  /** A task starts. */
  add(node: TaskNode): void;
  /** A task is done (skipped from a checkpoint, or completed: its `node`): its value stays, its node goes. */
  done(id: string, outcome: TaskOutcome, error: Error | undefined, operation?: string, node?: TaskNode): void;
  /** The error of a task that failed for good. */
  failure(id: string): Error | undefined;
  /** Gives a task object the outcome of the done task with its id (`stored` from {@link TaskTable.get}). */
  copyDone(task: Task, id: string, stored: unknown): void;
}

/** Makes an empty table. @internal */
export function createTaskTable(): TaskTable {
  const ids = createTaskIds();
  const pages: unknown[][] = [];
  const failures = new Map<string, { readonly error: Error; readonly outcome: TaskOutcome }>();
  const at = (entry: number): unknown => pages[entry >>> PAGE_BITS]![entry & PAGE_MASK];
  const set = (entry: number, value: unknown): void => {
    const page = entry >>> PAGE_BITS;
    // A page is made whole: growing it by pushes would leave copies behind for the collector.
    if (page === pages.length) pages.push(new Array<unknown>(1 << PAGE_BITS));
    pages[page]![entry & PAGE_MASK] = value;
  };
  return {
    get(id, operation) {
      const entry = ids.find(id, operation);
      return entry < 0 ? undefined : at(entry);
    },
    node(id) {
      const entry = ids.find(id);
      const value = entry < 0 ? undefined : at(entry);
      return isTaskNode(value) ? value : undefined;
    },
    add(node) {
      node.entry = ids.insert(node.id, node.task.operationName);
      set(node.entry, node);
    },
    done(id, outcome, error, operation, node) {
      let entry = node === undefined ? ids.find(id, operation) : node.entry;
      if (entry < 0) entry = ids.insert(id, operation);
      set(entry, outcome.returnValue === undefined ? NOTHING : outcome.returnValue);
      if (error !== undefined) failures.set(id, { error, outcome });
    },
    failure: (id) => failures.get(id)?.error,
    copyDone(task, id, stored) {
      const failure = failures.get(id);
      if (failure !== undefined) return copyOutcome(task, failure.outcome, failure.error);
      copyOutcome(task, { returnValue: stored === NOTHING ? undefined : stored, executionSecs: 0 }, undefined);
    },
  };
}

/** Gives a task object an outcome. @internal */
export function copyOutcome(task: Task, outcome: TaskOutcome, failed: Error | undefined): void {
  task.outcome = outcome;
  task.status = failed === undefined ? 'succeeded' : 'failed';
}
