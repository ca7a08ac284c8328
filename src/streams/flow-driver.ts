import { Dependency } from '../flows/dependency.js';
import { describeValue, misuseHint } from '../flows/describe-value.js';
import { MazepaError } from '../flows/errors.js';
import { Flow } from '../flows/flow.js';
import { serializeError } from '../flows/serialized-error.js';
import { Task, type TaskOutcome } from '../flows/task.js';
import type { Observable } from 'rxjs';
import type { AdoptedTasks } from './adopted-tasks.js';
import { createBatchingSink } from './batching-sink.js';
import { startGenerator as startFlowGenerator } from './flow-emissions.js';
import type { ExecutionEvent } from './execution-event.js';
import { createFlowNode, createTaskNode, isTaskNode, type FlowNode, type Node, type TaskNode } from './nodes.js';
import type { Completion } from './retry-stage.js';
import { createGate, toError } from './gate.js';
import { createStats, type Stats } from './stats.js';
import { copyOutcome, createTaskTable } from './task-table.js';

/** What the driver needs from the execution around it. @internal */
export interface FlowDriverConfig {
  readonly executionId: string;
  readonly maxBatchLen: number;
  readonly maxInFlight: number;
  readonly raiseOnFailedTask: boolean;
  readonly completed: ReadonlyMap<string, TaskOutcome> | undefined;
  /**
   * Tasks an earlier run pushed whose outcome may still come (the queue re-attached to that
   * run): when yielded they count as submitted without a push, until `requeue` says otherwise.
   */
  readonly adopted?: AdoptedTasks;
  readonly emit: (event: ExecutionEvent) => void;
  /** False when nobody reads `task_submitted` and `task_succeeded` events: they are not made. */
  readonly taskEvents?: boolean;
  /** The root flow is done: `error` is set when it failed. */
  readonly finish: (error: Error | undefined, origin: FailureOrigin | undefined) => void;
}

/** Where a failure that reached the root came from. @internal */
export interface FailureOrigin {
  readonly taskId?: string;
  readonly operationName?: string;
  readonly flowId?: string;
  readonly flowName?: string;
}

/** The engine's state machine: steps flows, tracks tasks, gates waits. @internal */
export interface FlowDriver {
  start(): void;
  /** The batches for the queue's `pushTasks` (subscribe before `start`). */
  readonly batches: Observable<Task[]>;
  /** The gate: a task is done for good; the flows that wait on it go on. */
  complete(completion: Completion): void;
  /** The task table: the node of a task that is not done. */
  lookup(taskId: string): TaskNode | undefined;
  /** A task whose retry delay is over goes back to the sink. */
  resubmit(node: TaskNode): void;
  /** An adopted task's outcome cannot come any more: push it (now, or when it is yielded). */
  requeue(taskId: string): void;
  /** Retries waiting for their delay (kept by the retry stage). */
  readonly retries: { count: number };
  /** Cancels everything: closes generators (running their `finally`). */
  dispose(): void;
  readonly stats: Stats;
}

/**
 * Creates the driver for one execution of `root`. Everything here is synchronous: the driver
 * pulls flows while capacity allows, hands batches to `push`, and resumes waiting flows in the
 * same call that applies the outcome they wait for, which is what keeps marble tests exact.
 *
 * @internal
 */
export function createFlowDriver(root: Flow<unknown>, config: FlowDriverConfig): FlowDriver {
  const { maxBatchLen, raiseOnFailedTask, executionId, adopted } = config;
  // Submissions and successes are most of the events; nobody may be listening to them.
  const taskEvents = config.taskEvents !== false;
  const tasks = createTaskTable();
  const flows = new Map<string, FlowNode>();
  const origins = new WeakMap<Error, FailureOrigin>();
  const ready: FlowNode[] = [];
  let readyHead = 0;
  let streaming = 0;
  let pumping = false;
  let pumpAgain = false;
  let disposed = false;
  const retries = { count: 0 };
  const stats = createStats();
  const sink = createBatchingSink({ ...config, stats, taskEvents });
  const gate = createGate({ raiseOnFailedTask, tasks, flows, makeReady, completeFlow, failFlow });
  const rootNode = createFlowNode(root, undefined);
  flows.set(root.id, rootNode);

  function makeReady(flow: FlowNode): void {
    flow.state = 'ready';
    ready.push(flow);
  }

  function pump(): void {
    if (pumping) {
      pumpAgain = true;
      return;
    }
    pumping = true;
    try {
      do {
        pumpAgain = false;
        while (!disposed && readyHead < ready.length && sink.hasRoom()) {
          const flow = ready[readyHead++]!;
          if (flow.state === 'ready') step(flow);
          if (readyHead > 1024 && readyHead * 2 > ready.length) {
            ready.splice(0, readyHead);
            readyHead = 0;
          }
        }
        if (!disposed) sink.flush();
        if (!disposed) adopted?.replay();
      } while (pumpAgain && !disposed);
    } finally {
      pumping = false;
    }
    detectDeadlock();
  }

  /** Advances a flow until it waits, finishes, runs out of capacity or of its turn. */
  function step(flow: FlowNode): void {
    let turn = maxBatchLen;
    while (flow.state === 'ready' && !disposed) {
      if (!sink.hasRoom()) {
        ready[--readyHead] = flow; // first to go on once capacity frees
        return;
      }
      if (turn-- === 0) {
        ready.push(flow); // its turn is over: others get theirs, then it goes on
        return;
      }
      let result: IteratorResult<unknown, unknown>;
      try {
        const generator = flow.generator ?? startGenerator(flow);
        const error = flow.pendingError;
        flow.pendingError = undefined;
        result = error === undefined ? generator.next(undefined) : generator.throw(error);
      } catch (error) {
        failFlow(flow, toError(error));
        return;
      }
      if (result.done) {
        flow.returnValue = result.value;
        flow.generator = undefined;
        gate.waitForAll(flow, 'finishing');
      } else {
        handleYield(flow, result.value);
      }
      if (sink.buffered >= maxBatchLen) sink.flush();
    }
  }

  function startGenerator(flow: FlowNode): NonNullable<FlowNode['generator']> {
    const generator = startFlowGenerator(flow.flow);
    flow.generator = generator;
    return generator;
  }

  function handleYield(flow: FlowNode, value: unknown): void {
    if (value instanceof Task) return startTask(flow, value);
    if (value instanceof Dependency) {
      if (value.targets === undefined) return gate.waitForAll(flow, 'waiting');
      return gate.waitFor(flow, value.targets);
    }
    if (value instanceof Flow) return startFlow(flow, value);
    if (Array.isArray(value)) {
      const bad = value.findIndex((item) => !(item instanceof Task) && !(item instanceof Flow));
      if (bad >= 0) {
        flow.pendingError = new TypeError(
          `Flow '${flow.flow.name}' yielded an array whose item ${bad} is ${describe(value[bad])}; ` +
            'arrays may hold only tasks and flows',
        );
        return;
      }
      for (const item of value) {
        if (item instanceof Task) startTask(flow, item);
        else startFlow(flow, item as Flow<unknown>);
      }
      return;
    }
    flow.pendingError = new TypeError(
      `Flow '${flow.flow.name}' yielded ${describeValue(value)}; a flow may yield a Task, a Flow, ` +
        `an array of them, or a Dependency${misuseHint(value, 'yield')}`,
    );
  }

  function startTask(owner: FlowNode, task: Task): void {
    const id = task.id;
    const existing = tasks.get(id);
    if (existing !== undefined) {
      if (!isTaskNode(existing)) return tasks.copyDone(task, id, existing);
      if (task !== existing.task) (existing.aliases ??= []).push(task);
      addOwner(existing, owner);
      return;
    }
    const stored = config.completed?.get(id);
    if (stored !== undefined) {
      tasks.done(id, stored, undefined);
      copyOutcome(task, stored, undefined);
      stats.skipped(task.operationName);
      config.emit({
        type: 'task_skipped',
        executionId,
        taskId: id,
        operationName: task.operationName,
        outcome: stored,
      });
      gate.settleAwaited(id, stored);
      return;
    }
    const node = createTaskNode(task, owner);
    tasks.add(node);
    gate.adopt(id, node);
    owner.pendingChildren++;
    // An adopted task is queued or running already: its outcome comes as any other's.
    sink.add(node, true, adopted?.claim(id) === true);
  }

  function requeue(taskId: string): void {
    if (disposed || adopted === undefined || !adopted.lost(taskId)) return;
    const node = tasks.node(taskId);
    if (node === undefined || node.state !== 'submitted') return;
    node.state = 'queued';
    sink.add(node, false);
    pump();
  }

  function addOwner(node: Node, owner: FlowNode): void {
    const owners = node.moreOwners;
    if (node.kind === 'task' ? node.owner === owner : node.parent === owner) return;
    if (owners !== undefined && owners.includes(owner)) return;
    (node.moreOwners ??= []).push(owner);
    owner.pendingChildren++;
  }

  function startFlow(owner: FlowNode, flow: Flow<unknown>): void {
    const existing = flows.get(flow.id);
    if (existing !== undefined) {
      if (existing.state !== 'done') addOwner(existing, owner);
      return;
    }
    const node = createFlowNode(flow, owner);
    flows.set(flow.id, node);
    gate.adopt(flow.id, node);
    owner.pendingChildren++;
    flow.status = 'running';
    launch(node);
  }

  function launch(node: FlowNode): void {
    const source = node.flow.source;
    if (source === undefined) return makeReady(node);
    node.state = 'streaming';
    streaming++;
    const end = (): void => {
      streaming--;
      node.state = 'finishing';
    };
    node.source = source.subscribe({
      next: (value) => {
        if (node.state !== 'streaming') return;
        handleYield(node, value);
        const error = node.pendingError;
        if (error !== undefined) {
          node.pendingError = undefined;
          end();
          failFlow(node, error);
        }
        pump();
      },
      error: (error: unknown) => {
        if (node.state !== 'streaming') return;
        end();
        failFlow(node, toError(error));
        pump();
      },
      complete: () => {
        if (node.state !== 'streaming') return;
        end();
        gate.waitForAll(node, 'finishing');
        pump();
      },
    });
  }

  function completeFlow(flow: FlowNode): void {
    flow.state = 'done';
    flow.flow.status = 'succeeded';
    flow.flow.outcome = { returnValue: flow.returnValue };
    config.emit({ type: 'flow_completed', executionId, flowId: flow.id, flowName: flow.flow.name, failed: false });
    gate.settle(flow, undefined, true);
    if (flow === rootNode) config.finish(undefined, undefined);
  }

  function failFlow(flow: FlowNode, error: Error): void {
    if (flow.state === 'done') return;
    if (flow.state === 'streaming') streaming--;
    flow.state = 'done';
    flow.failed = error;
    flow.generator = undefined;
    flow.source?.unsubscribe();
    flow.source = undefined;
    flow.flow.status = 'failed';
    flow.flow.outcome = { error: serializeError(error) };
    if (!origins.has(error)) origins.set(error, { flowId: flow.id, flowName: flow.flow.name });
    config.emit({ type: 'flow_completed', executionId, flowId: flow.id, flowName: flow.flow.name, failed: true });
    gate.settle(flow, error, true);
    if (flow === rootNode) config.finish(error, origins.get(error));
  }

  function applyCompletion({ node, outcome, error }: Completion): void {
    if (disposed) return;
    if (error !== undefined) origins.set(error, { taskId: node.id, operationName: node.task.operationName });
    complete(node, outcome, error);
    pump();
  }

  function complete(node: TaskNode, outcome: TaskOutcome, error: Error | undefined): void {
    tasks.done(node.id, outcome, error);
    copyOutcome(node.task, outcome, error);
    if (node.aliases !== undefined) for (const alias of node.aliases) copyOutcome(alias, outcome, error);
    sink.settled();
    gate.settle(node, error, raiseOnFailedTask);
  }

  function detectDeadlock(): void {
    if (disposed || rootNode.state === 'done' || pumping) return;
    if (readyHead < ready.length || sink.inFlight > 0 || streaming > 0 || retries.count > 0) return;
    if (gate.failAwaited()) {
      pump();
      return;
    }
    const stuck = [...flows.values()].filter((f) => f.state === 'waiting' || f.state === 'finishing');
    const lines = stuck.slice(0, 5).map((f) => {
      const on =
        f.waitingOn === undefined ? `${f.pendingChildren} children` : [...f.waitingOn].map((n) => n.id).join(', ');
      return `'${f.flow.name}' (${f.id}) waits on ${on}`;
    });
    failFlow(
      rootNode,
      new MazepaError(`Execution ${executionId} cannot go on: flows wait on each other. ${lines.join('; ')}`, {
        flowId: rootNode.id,
      }),
    );
  }

  return {
    stats,
    start() {
      root.status = 'running';
      launch(rootNode);
      pump();
    },
    complete: applyCompletion,
    lookup: tasks.node,
    batches: sink.batches,
    resubmit(node) {
      sink.add(node, false);
      pump();
    },
    requeue,
    retries,
    dispose() {
      if (disposed) return;
      disposed = true;
      sink.close();
      for (const flow of flows.values()) {
        flow.source?.unsubscribe();
        try {
          flow.generator?.return(undefined);
        } catch {
          // a finally block that throws while the run is torn down has nobody to report to
        }
        flow.generator = undefined;
      }
    },
  };
}

function describe(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (typeof value === 'object') return `an object of class ${value.constructor?.name ?? 'Object'}`;
  return `a ${typeof value}`;
}
