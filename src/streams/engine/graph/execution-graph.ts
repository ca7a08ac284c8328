/**
 * The execution graph: the state of one execution and the only code that writes it. It is made of
 * the task table (`task-table.ts`: every task id, its node while it runs, then only its value),
 * the flow and task nodes (`nodes.ts`), the waits (`waits.ts`: what each flow waits on), how flows
 * end (`flow-lifecycle.ts`) and how yielded tasks start (`task-start.ts`). The stages of the
 * pipeline read nodes and ask the graph to change them through the named transitions below;
 * none of them writes a node's field.
 *
 * @module
 */
import type { Observable } from 'rxjs';
import type { Dependency } from '../../../flows/dependency.js';
import type { Flow } from '../../../flows/flow.js';
import type { Task, TaskOutcome } from '../../../flows/task.js';
import type { ExecutionEvent } from '../../execution-event.js';
import { createHotStream } from '../hot-stream.js';
import type { Stats } from '../stats.js';
import { createFlowLifecycle, type FailureOrigin } from './flow-lifecycle.js';
import { addOwner, createFlowNode, type FlowNode, type TaskNode } from './nodes.js';
import { createTaskStart } from './task-start.js';
import { copyOutcome, createTaskTable } from './task-table.js';
import { createWaits, toError } from './waits.js';

/** What the graph needs from the execution around it. @internal */
export interface ExecutionGraphConfig {
  readonly executionId: string;
  readonly raiseOnFailedTask: boolean;
  /** The outcomes a checkpoint holds: those tasks are skipped. */
  readonly completed: ReadonlyMap<string, TaskOutcome> | undefined;
  /** The outcome `completed` holds for a task under an id of another scheme (see `task-start.ts`). */
  readonly completedUnder?: ((task: Task) => TaskOutcome | undefined) | undefined;
  readonly stats: Stats;
  readonly emit: (event: ExecutionEvent) => void;
  /** The root flow is done: `error` is set when it failed. */
  readonly finish: (error: Error | undefined, origin: FailureOrigin | undefined) => void;
}

/** A task's final outcome, after retries: what the gate applies to the graph. @internal */
export interface Completion {
  readonly node: TaskNode;
  readonly outcome: TaskOutcome;
  /** Set when the task failed for good. */
  readonly error: Error | undefined;
}

/** The flows made ready by a transition, in order (often {@link NONE}). @internal */
export type Readied = readonly FlowNode[];

/** No flow made ready. @internal */
export const NONE: Readied = Object.freeze([]) as Readied;

/** The state of one execution, changed only through its transitions. @internal */
export interface ExecutionGraph {
  readonly root: FlowNode;
  /** The root flow starts: it is running, and ready (what it returns) or, an observable flow, streaming. */
  start(): Readied;
  /** Tasks started and not done (buffered, pushed or retrying): what the batching policy counts. */
  readonly tasksInFlight: number;
  /** The node of a task id that is not done. */
  task(id: string): TaskNode | undefined;
  /** Every flow of the execution, in the order they started. */
  flows(): IterableIterator<FlowNode>;
  /** Flows that failed before their end (their Observable is to be unsubscribed). */
  readonly failed: Observable<FlowNode>;
  /** Takes the flows made ready since the last call, in the order they were (a flow's turn comes in this order). */
  takeReadied(): Readied;
  /** Takes the error to throw into a ready flow at its next step, if any. */
  takeError(flow: FlowNode): Error | undefined;

  // What flows yield (the router asks).
  /** A yielded task starts: its node when it is new (to push), `undefined` when it is known, done or skipped. */
  taskYielded(owner: FlowNode, task: Task): TaskNode | undefined;
  /** A yielded subflow starts: its node when it is new, `undefined` when it is known (one more owner). */
  flowYielded(owner: FlowNode, flow: Flow<unknown>): FlowNode | undefined;
  /** A yielded `Dependency`: the flow waits (or, when nothing is left to wait for, goes on). */
  dependencyYielded(flow: FlowNode, dependency: Dependency): void;
  /** A yield that is not allowed: `error` is thrown into the flow at its next step. */
  yieldRejected(flow: FlowNode, error: Error): void;

  // How flows end (the flow driver tells).
  /** A generator flow returned: it ends once its children are done. */
  flowReturned(flow: FlowNode, value: unknown): void;
  /** An observable flow's source completed: it ends once its children are done. */
  sourceCompleted(flow: FlowNode): void;
  /** A flow threw, or its source failed (a done flow stays as it is). */
  flowFailed(flow: FlowNode, error: unknown): void;

  // What happens to tasks (the batching, retry and gate stages tell).
  /** A task went to the queue (or an earlier run pushed it). */
  taskSubmitted(node: TaskNode): void;
  /** A task failed and waits for its retry delay. */
  taskRetrying(node: TaskNode): void;
  /** A retrying task's delay is over: its next attempt goes to the sink. */
  taskRetried(node: TaskNode): void;
  /** An adopted task's outcome cannot come: it goes to the sink again (its node when it was submitted). */
  taskRequeued(id: string): TaskNode | undefined;
  /** A task is done: the table keeps its value, its Task objects get the outcome, its waiters hear of it. */
  taskCompleted(completion: Completion): Readied;
  /** Nothing can move: the flows waiting on ids never yielded get an error. False if there are none. */
  failAwaited(): boolean;
}

/** At most this many submitted tasks are kept in submission order (see `task`): a power of 2. */
const ORDER_SIZE = 1 << 14;

/** Makes the graph of one execution of `root` (see {@link ExecutionGraph.start}). @internal */
export function createExecutionGraph(root: Flow<unknown>, config: ExecutionGraphConfig): ExecutionGraph {
  const { executionId, raiseOnFailedTask, stats, emit } = config;
  const rootNode = createFlowNode(root, undefined);
  const flows = new Map([[root.id, rootNode]]);
  const tasks = createTaskTable();
  const failed = createHotStream<FlowNode>();
  let readied: FlowNode[] = [];
  let inFlight = 0;
  // Submitted tasks in the order they went to the queue, `order[first, last)` in a ring: most
  // queues report outcomes in about that order, so an outcome's node is most often the first
  // one not completed, found without a probe of the table (whose slots, at 10^6 ids, are not in
  // cache). A ring of fixed size: no garbage as it turns.
  const order = new Array<TaskNode | undefined>(ORDER_SIZE).fill(undefined);
  let first = 0;
  let last = 0;

  const ready = (flow: FlowNode): void => {
    flow.state = 'ready';
    readied.push(flow);
  };
  // The waits resume flows and end them; the lifecycle settles ended flows in the waits.
  const waits = createWaits({
    raiseOnFailedTask,
    tasks,
    flows,
    makeReady: ready,
    completeFlow: (flow) => lifecycle.complete(flow),
    failFlow: (flow, error) => lifecycle.fail(flow, error),
  });
  const lifecycle = createFlowLifecycle({
    executionId,
    root: rootNode,
    emit,
    waits,
    stop: (flow) => failed.next(flow),
    finish: config.finish,
  });
  const startTask = createTaskStart({
    executionId,
    tasks,
    completed: config.completed,
    ...(config.completedUnder === undefined ? {} : { completedUnder: config.completedUnder }),
    waits,
    stats,
    emit,
  });

  const takeReadied = (): Readied => {
    if (readied.length === 0) return NONE;
    const taken = readied;
    readied = [];
    return taken;
  };

  return {
    root: rootNode,
    start() {
      root.status = 'running';
      if (root.source === undefined) ready(rootNode);
      else rootNode.state = 'streaming';
      return takeReadied();
    },
    get tasksInFlight() {
      return inFlight;
    },
    task(id) {
      // The completed ones at the front go (their Task objects are not kept here).
      while (first !== last && order[first & (ORDER_SIZE - 1)]!.state === 'completed') {
        order[first++ & (ORDER_SIZE - 1)] = undefined;
      }
      const next = first === last ? undefined : order[first & (ORDER_SIZE - 1)];
      return next !== undefined && next.id === id ? next : tasks.node(id);
    },
    flows: () => flows.values(),
    failed: failed.observable,
    takeReadied,
    takeError(flow) {
      const error = flow.pendingError;
      if (error !== undefined) flow.pendingError = undefined;
      return error;
    },

    taskYielded(owner, task) {
      const node = startTask(owner, task);
      if (node !== undefined) inFlight++;
      return node;
    },
    flowYielded(owner, flow) {
      const existing = flows.get(flow.id);
      if (existing !== undefined) {
        if (existing.state !== 'done') addOwner(existing, owner);
        return undefined;
      }
      const node = createFlowNode(flow, owner);
      flows.set(flow.id, node);
      waits.adopt(flow.id, node);
      owner.pendingChildren++;
      flow.status = 'running';
      if (flow.source === undefined) ready(node);
      else node.state = 'streaming';
      return node;
    },
    dependencyYielded(flow, dependency) {
      if (dependency.targets === undefined) waits.waitForAll(flow, 'waiting');
      else waits.waitFor(flow, dependency.targets);
    },
    yieldRejected(flow, error) {
      flow.pendingError = error;
    },

    flowReturned: (flow, value) => lifecycle.returned(flow, value),
    sourceCompleted(flow) {
      if (flow.state !== 'streaming') return;
      flow.state = 'finishing';
      waits.waitForAll(flow, 'finishing');
    },
    flowFailed: (flow, error) => lifecycle.fail(flow, toError(error)),

    taskSubmitted(node) {
      // Full: a task that stays out long (most others done after it) no longer holds the order up.
      if (last - first === ORDER_SIZE) {
        order.fill(undefined);
        first = last;
      }
      order[last++ & (ORDER_SIZE - 1)] = node;
      node.state = 'submitted';
      node.task.status = 'submitted';
      node.task.executionId = executionId;
    },
    taskRetrying(node) {
      node.state = 'retrying';
    },
    taskRetried(node) {
      node.task.attempt++;
      node.state = 'queued';
    },
    taskRequeued(id) {
      const node = tasks.node(id);
      if (node?.state !== 'submitted') return undefined;
      node.state = 'queued';
      return node;
    },
    taskCompleted({ node, outcome, error }) {
      if (error !== undefined) lifecycle.taskFailed(node, error);
      tasks.done(node.id, outcome, error, node.task.operationName, node);
      node.state = 'completed';
      copyOutcome(node.task, outcome, error);
      if (node.aliases !== undefined) for (const alias of node.aliases) copyOutcome(alias, outcome, error);
      inFlight--;
      waits.settle(node, error, raiseOnFailedTask);
      return takeReadied();
    },
    failAwaited: () => waits.failAwaited(),
  };
}
