import type { DependencyTarget } from '../../../flows/dependency.js';
import { MazepaError } from '../../../flows/errors.js';
import { Flow } from '../../../flows/flow.js';
import { Task, type TaskOutcome } from '../../../flows/task.js';
import { isTaskNode, type AwaitedNode, type FlowNode, type Node } from './nodes.js';
import { copyOutcome, type TaskTable } from './task-table.js';

/** What the waits need from the graph around them. @internal */
export interface WaitsConfig {
  readonly raiseOnFailedTask: boolean;
  readonly tasks: TaskTable;
  readonly flows: ReadonlyMap<string, FlowNode>;
  /** A waiting flow may go on (its `pendingError`, if set, is thrown into it): the graph's `ready` transition. */
  readonly makeReady: (flow: FlowNode) => void;
  readonly completeFlow: (flow: FlowNode) => void;
  readonly failFlow: (flow: FlowNode, error: Error) => void;
}

/**
 * The waits of the execution graph, between completions and waiting flows: it records what each flow waits on (a
 * `Dependency` on ids, on all its children, or its end), counts completions off, and resumes a
 * flow (or throws a failure into it) in the call that completes the last thing it waits on. Ids
 * waited on before anything yielded them are placeholders until they come, or until nothing else
 * can move ("never yielded"). Synchronous, which keeps marble tests exact. Part of the execution
 * graph (`execution-graph.ts`), the only one that calls it. @internal
 */
export interface Waits {
  /** `new Dependency()` (state `waiting`) or the end of the flow (state `finishing`). */
  waitForAll(flow: FlowNode, state: 'waiting' | 'finishing'): void;
  /** `new Dependency(targets)`. */
  waitFor(flow: FlowNode, targets: readonly DependencyTarget[]): void;
  /** A node is done: its owners count it off, and the flows waiting on it hear of it. */
  settle(node: Node, error: Error | undefined, raise: boolean): void;
  /** A task or flow started: if its id was awaited, it takes the placeholder's place. */
  adopt(id: string, node: Node): void;
  /** An awaited task id turned out to be done already (skipped from a checkpoint). */
  settleAwaited(id: string, outcome: TaskOutcome): void;
  /** Nothing can move any more: what is still awaited was never yielded. False if nothing was. */
  failAwaited(): boolean;
}

/** A task that is already done, as a dependency target. */
interface DoneTask {
  readonly kind: 'done';
  readonly failed: Error | undefined;
}

/** Makes the waits of one execution graph. @internal */
export function createWaits(config: WaitsConfig): Waits {
  const { raiseOnFailedTask, tasks, flows, makeReady, completeFlow, failFlow } = config;
  // Ids waited on before anything with that id was yielded (a DAG edge to a flow not stepped yet).
  const awaited = new Map<string, AwaitedNode>();

  /** `new Dependency()` (state `waiting`) or the end of the flow (state `finishing`). */
  function waitForAll(flow: FlowNode, state: 'waiting' | 'finishing'): void {
    const failure = flow.childFailure;
    flow.childFailure = undefined;
    if (failure !== undefined) {
      if (state === 'waiting') flow.pendingError = failure;
      else failFlow(flow, failure);
      return;
    }
    if (flow.pendingChildren > 0) {
      flow.waitAll = true;
      flow.state = state;
    } else if (state === 'finishing') {
      completeFlow(flow);
    }
  }

  function waitFor(flow: FlowNode, targets: readonly DependencyTarget[]): void {
    const waitingOn = new Set<Node | AwaitedNode>();
    for (const target of targets) {
      let node: Node | AwaitedNode | DoneTask;
      try {
        node = resolveTarget(flow, target);
      } catch (error) {
        flow.pendingError = toError(error);
        return;
      }
      if (node.kind === 'awaited') {
        waitingOn.add(node);
      } else if (node.kind === 'done' || node.state === 'done') {
        if (node.failed !== undefined && (node.kind === 'flow' || raiseOnFailedTask)) {
          flow.pendingError = node.failed;
          return;
        }
      } else {
        waitingOn.add(node);
      }
    }
    if (waitingOn.size === 0) return;
    for (const node of waitingOn) (node.waiters ??= []).push(flow);
    flow.waitingOn = waitingOn;
    flow.state = 'waiting';
  }

  function resolveTarget(flow: FlowNode, target: DependencyTarget): Node | AwaitedNode | DoneTask {
    const id = typeof target === 'string' ? target : target.id;
    const entry = tasks.get(id);
    if (isTaskNode(entry)) {
      if (target instanceof Task && target !== entry.task) (entry.aliases ??= []).push(target);
      return entry;
    }
    if (entry !== undefined) {
      if (target instanceof Task) tasks.copyDone(target, id, entry);
      return { kind: 'done', failed: tasks.failure(id) };
    }
    const node = flows.get(id);
    if (node === undefined) {
      // Not yielded yet: another flow may yield it later. Wait for it; if nothing does by the
      // time nothing else can move, the waiters get a "never yielded" error (see `failAwaited`,
      // which the deadlock check calls).
      let placeholder = awaited.get(id);
      if (placeholder === undefined) {
        const description =
          target instanceof Task
            ? `task ${id} (operation '${target.operationName}')`
            : target instanceof Flow
              ? `flow ${id} ('${target.name}')`
              : `id '${id}'`;
        placeholder = { kind: 'awaited', id, description, tasks: undefined, waiters: undefined };
        awaited.set(id, placeholder);
      }
      if (target instanceof Task) (placeholder.tasks ??= []).push(target);
      return placeholder;
    }
    if (node === flow || isAncestor(node.id, flow)) {
      throw new MazepaError(
        `Flow '${flow.flow.name}' waits on ${node === flow ? 'itself' : `its ancestor '${node.flow.name}'`}, ` +
          'which can only finish after it: a deadlock',
        { flowId: flow.id },
      );
    }
    return node;
  }

  /** A node is done: its owners count it off, and the flows waiting on it hear of it. */
  function settle(node: Node, error: Error | undefined, raise: boolean): void {
    const owner = node.kind === 'task' ? node.owner : node.parent;
    if (owner !== undefined) childDone(owner, node, error, raise);
    if (node.moreOwners !== undefined) for (const o of node.moreOwners) childDone(o, node, error, raise);
    const waiters = node.waiters;
    if (waiters === undefined) return;
    node.waiters = undefined;
    for (const flow of waiters) {
      const waitingOn = flow.waitingOn;
      if (waitingOn === undefined || !waitingOn.delete(node)) continue;
      if (raise && error !== undefined) {
        flow.waitingOn = undefined;
        resume(flow, error);
      } else if (waitingOn.size === 0) {
        flow.waitingOn = undefined;
        resume(flow, undefined);
      }
    }
  }

  function childDone(owner: FlowNode, child: Node, error: Error | undefined, raise: boolean): void {
    owner.pendingChildren--;
    if (owner.state === 'done') return;
    const failure = raise ? error : undefined;
    if (owner.waitAll) {
      if (failure !== undefined || owner.pendingChildren === 0) {
        owner.waitAll = false;
        resume(owner, failure);
      }
    } else if (failure !== undefined && owner.childFailure === undefined && !owner.waitingOn?.has(child)) {
      owner.childFailure = failure; // thrown at its next `new Dependency()` or at its end
    }
  }

  function resume(flow: FlowNode, error: Error | undefined): void {
    if (flow.state === 'finishing') {
      if (error !== undefined) failFlow(flow, error);
      else completeFlow(flow);
    } else if (flow.state === 'waiting') {
      if (error !== undefined) flow.pendingError = error;
      makeReady(flow);
    }
  }

  /** A task or flow with an awaited id has started: it takes the placeholder's place. */
  function adopt(id: string, node: Node): void {
    const placeholder = awaited.get(id);
    if (placeholder === undefined) return;
    awaited.delete(id);
    if (node.kind === 'task' && placeholder.tasks !== undefined) {
      for (const task of placeholder.tasks) if (task !== node.task) (node.aliases ??= []).push(task);
    }
    for (const flow of placeholder.waiters ?? []) {
      const waitingOn = flow.waitingOn;
      if (waitingOn === undefined || !waitingOn.delete(placeholder)) continue;
      waitingOn.add(node);
      (node.waiters ??= []).push(flow);
    }
  }

  /** An awaited task id turned out to be done already (skipped from a checkpoint). */
  function settleAwaited(id: string, outcome: TaskOutcome): void {
    const placeholder = awaited.get(id);
    if (placeholder === undefined) return;
    awaited.delete(id);
    for (const task of placeholder.tasks ?? []) copyOutcome(task, outcome, undefined);
    for (const flow of placeholder.waiters ?? []) {
      const waitingOn = flow.waitingOn;
      if (waitingOn === undefined || !waitingOn.delete(placeholder) || waitingOn.size > 0) continue;
      flow.waitingOn = undefined;
      resume(flow, undefined);
    }
  }

  /** Nothing can move any more: what is still awaited was never yielded. */
  function failAwaited(): void {
    const placeholders = [...awaited.values()];
    awaited.clear();
    for (const placeholder of placeholders) {
      for (const flow of placeholder.waiters ?? []) {
        if (flow.waitingOn === undefined || !flow.waitingOn.has(placeholder)) continue;
        flow.waitingOn = undefined;
        resume(
          flow,
          new MazepaError(
            `Flow '${flow.flow.name}' waits on ${placeholder.description}, which was never yielded in this ` +
              'execution; yield it (from any flow) before the execution runs out of other work',
            { flowId: flow.id, ...(placeholder.tasks !== undefined ? { taskId: placeholder.id } : {}) },
          ),
        );
      }
    }
  }

  return {
    waitForAll,
    waitFor,
    settle,
    adopt: (id, node) => {
      if (awaited.size > 0) adopt(id, node);
    },
    settleAwaited: (id, outcome) => {
      if (awaited.size > 0) settleAwaited(id, outcome);
    },
    failAwaited: () => {
      if (awaited.size === 0) return false;
      failAwaited();
      return true;
    },
  };
}

/** A thrown value as an Error. @internal */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new MazepaError(`A flow threw a non-Error value: ${String(value)}`, { cause: value });
}

function isAncestor(id: string, flow: FlowNode): boolean {
  for (let f: FlowNode | undefined = flow.parent; f !== undefined; f = f.parent) if (f.id === id) return true;
  return false;
}
