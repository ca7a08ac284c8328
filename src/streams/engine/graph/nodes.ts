import type { Flow } from '../../../flows/flow.js';
import type { Task } from '../../../flows/task.js';

/**
 * The execution graph's record of a task id that is not done yet. Done tasks leave only their
 * value behind (see `task-table.ts`), which keeps memory small at 10^6 tasks. Only the graph
 * (`execution-graph.ts` and the files it is made of) writes a node's fields; stages read them.
 *
 * @internal
 */
export interface TaskNode {
  readonly kind: 'task';
  readonly id: string;
  readonly task: Task;
  /** Other Task objects with the same id, which get the outcome too. */
  aliases: Task[] | undefined;
  /** `completed` once its outcome is applied (the table then keeps only its value). */
  state: 'queued' | 'submitted' | 'retrying' | 'completed';
  /** The flow that yielded it first, and any other flows that yielded the same id. */
  readonly owner: FlowNode;
  moreOwners: FlowNode[] | undefined;
  /** Flows whose current `Dependency(x)` includes it. */
  waiters: FlowNode[] | undefined;
  /** Its entry in the task table (-1 until it is added). */
  entry: number;
}

/** The execution graph's record of one flow (written only by the graph, see {@link TaskNode}). @internal */
export interface FlowNode {
  readonly kind: 'flow';
  readonly id: string;
  readonly flow: Flow<unknown>;
  readonly parent: FlowNode | undefined;
  /**
   * - `ready`: can be stepped; `waiting`: at a dependency;
   * - `streaming`: an Observable flow whose source is still emitting;
   * - `finishing`: the generator returned (or the source completed), children still running;
   * - `done`.
   */
  state: 'new' | 'ready' | 'waiting' | 'streaming' | 'finishing' | 'done';
  failed: Error | undefined;
  /** Children (tasks and subflows it yielded) not done yet. */
  pendingChildren: number;
  /** True while it waits for all its children (`new Dependency()`, or at its end). */
  waitAll: boolean;
  /** What its current `Dependency(x)` still waits for. */
  waitingOn: Set<Node | AwaitedNode> | undefined;
  /** The first failure of a child that it was not waiting for when it happened. */
  childFailure: Error | undefined;
  /** An error to throw into the generator when it next resumes. */
  pendingError: Error | undefined;
  returnValue: unknown;
  moreOwners: FlowNode[] | undefined;
  waiters: FlowNode[] | undefined;
}

/**
 * An id that a flow waits on before any flow of the execution yielded it. It stands in the
 * waiting flows' `waitingOn` until a task or flow with that id starts (then that node takes its
 * place), or until nothing else can move (then the waiters get a "never yielded" error).
 *
 * @internal
 */
export interface AwaitedNode {
  readonly kind: 'awaited';
  readonly id: string;
  /** How the dependency named it, for the error if it never comes. */
  readonly description: string;
  /** The Task objects that were waited on, which get the outcome once it is known. */
  tasks: Task[] | undefined;
  waiters: FlowNode[] | undefined;
}

/** A task or a flow that is not done, as the engine tracks it. @internal */
export type Node = TaskNode | FlowNode;

/** @internal */
export function createFlowNode(flow: Flow<unknown>, parent: FlowNode | undefined): FlowNode {
  return {
    kind: 'flow',
    id: flow.id,
    flow,
    parent,
    state: 'new',
    failed: undefined,
    pendingChildren: 0,
    waitAll: false,
    waitingOn: undefined,
    childFailure: undefined,
    pendingError: undefined,
    returnValue: undefined,
    moreOwners: undefined,
    waiters: undefined,
  };
}

class ActiveTaskNode implements TaskNode {
  readonly kind = 'task' as const;
  aliases: Task[] | undefined = undefined;
  state: TaskNode['state'] = 'queued';
  moreOwners: FlowNode[] | undefined = undefined;
  waiters: FlowNode[] | undefined = undefined;
  entry = -1;
  constructor(
    readonly id: string,
    readonly task: Task,
    readonly owner: FlowNode,
  ) {}
}

/** @internal */
export function createTaskNode(task: Task, owner: FlowNode): TaskNode {
  return new ActiveTaskNode(task.id, task, owner);
}

/**
 * Whether a value of the task table is a task that is not done yet (the table holds
 * the return values of done tasks too, which user code cannot make instances of this class).
 *
 * @internal
 */
export function isTaskNode(value: unknown): value is TaskNode {
  return value instanceof ActiveTaskNode;
}

/** Another flow yielded a node that is not done: it counts as that flow's child too. @internal */
export function addOwner(node: Node, owner: FlowNode): void {
  const owners = node.moreOwners;
  if (node.kind === 'task' ? node.owner === owner : node.parent === owner) return;
  if (owners !== undefined && owners.includes(owner)) return;
  (node.moreOwners ??= []).push(owner);
  owner.pendingChildren++;
}
