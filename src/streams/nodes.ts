import type { Subscription } from 'rxjs';
import type { Flow, FlowGenerator } from '../flows/flow.js';
import type { Task, TaskOutcome } from '../flows/task.js';

/** The engine's record of one task id in an execution. @internal */
export interface TaskNode {
  readonly kind: 'task';
  readonly id: string;
  readonly operationName: string;
  /** The first Task object yielded with this id; dropped once done, to free memory. */
  task: Task | undefined;
  /** Other Task objects with the same id, which get the outcome too. */
  aliases: Task[] | undefined;
  state: 'queued' | 'submitted' | 'retrying' | 'done';
  failed: Error | undefined;
  outcome: TaskOutcome | undefined;
  /** Flows that yielded it and have it as a pending child. */
  owners: FlowNode[] | undefined;
  /** Flows whose current wait includes it. */
  waiters: FlowNode[] | undefined;
}

/** The engine's record of one running flow. @internal */
export interface FlowNode {
  readonly kind: 'flow';
  readonly id: string;
  readonly flow: Flow<unknown>;
  readonly parent: FlowNode | undefined;
  /**
   * - `new`: not started; `ready`: can be stepped; `waiting`: at a dependency;
   * - `streaming`: an Observable flow whose source is still emitting;
   * - `finishing`: the generator returned (or the source completed), children still running;
   * - `done`.
   */
  state: 'new' | 'ready' | 'waiting' | 'streaming' | 'finishing' | 'done';
  generator: FlowGenerator<unknown> | undefined;
  source: Subscription | undefined;
  failed: Error | undefined;
  /** Children (tasks and subflows it yielded) not done yet. */
  readonly children: Set<Node>;
  /** What the current wait still waits for. */
  waitingOn: Set<Node> | undefined;
  /** An error to throw into the generator when it next resumes. */
  pendingError: Error | undefined;
  returnValue: unknown;
  owners: FlowNode[] | undefined;
  waiters: FlowNode[] | undefined;
}

/** A task or a flow, as the engine tracks it. @internal */
export type Node = TaskNode | FlowNode;

/** @internal */
export function createFlowNode(flow: Flow<unknown>, parent: FlowNode | undefined): FlowNode {
  return {
    kind: 'flow',
    id: flow.id,
    flow,
    parent,
    state: 'new',
    generator: undefined,
    source: undefined,
    failed: undefined,
    children: new Set(),
    waitingOn: undefined,
    pendingError: undefined,
    returnValue: undefined,
    owners: parent === undefined ? undefined : [parent],
    waiters: undefined,
  };
}

/** @internal */
export function createTaskNode(task: Task, owner: FlowNode): TaskNode {
  return {
    kind: 'task',
    id: task.id,
    operationName: task.operationName,
    task,
    aliases: undefined,
    state: 'queued',
    failed: undefined,
    outcome: undefined,
    owners: [owner],
    waiters: undefined,
  };
}
