import { timer, type SchedulerLike, type Subscription } from 'rxjs';
import { Dependency, type DependencyTarget } from '../flows/dependency.js';
import { MazepaError } from '../flows/errors.js';
import { Flow, type Startable } from '../flows/flow.js';
import { errorFromSerialized, serializeError } from '../flows/serialized-error.js';
import { Task, type TaskOutcome } from '../flows/task.js';
import type { ExecutionEvent } from './execution-event.js';
import type { OutcomeReport } from './execution-queue.js';
import { createFlowNode, createTaskNode, type FlowNode, type Node, type TaskNode } from './nodes.js';
import { decideRetry, type TransientCondition } from './retry-policy.js';
import { createStats, type Stats } from './stats.js';

/** What the driver needs from the execution around it. @internal */
export interface FlowDriverConfig {
  readonly executionId: string;
  readonly maxBatchLen: number;
  readonly maxInFlight: number;
  readonly raiseOnFailedTask: boolean;
  readonly isTransient: TransientCondition | undefined;
  readonly scheduler: SchedulerLike;
  readonly completed: ReadonlyMap<string, TaskOutcome> | undefined;
  /** Hands a batch of tasks to the queue. */
  readonly push: (tasks: Task[]) => void;
  readonly emit: (event: ExecutionEvent) => void;
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
  applyOutcome(report: OutcomeReport): void;
  /** Cancels everything: closes generators (running their `finally`), stops timers. */
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
  const { maxBatchLen, maxInFlight, raiseOnFailedTask, executionId, scheduler } = config;
  const refill = Math.max(1, Math.min(maxBatchLen, Math.floor(maxInFlight / 2)));
  const tasks = new Map<string, TaskNode>();
  const flows = new Map<string, FlowNode>();
  const origins = new WeakMap<Error, FailureOrigin>();
  const ready: FlowNode[] = [];
  let readyHead = 0;
  let buffer: Task[] = [];
  let inFlight = 0;
  let throttled = false;
  let streaming = 0;
  let pumping = false;
  let pumpAgain = false;
  let disposed = false;
  const retryTimers = new Set<Subscription>();
  const stats = createStats();
  const rootNode = createFlowNode(root, undefined);
  flows.set(root.id, rootNode);

  const emitTask = (type: 'task_submitted', task: Task): void =>
    config.emit({ type, executionId, taskId: task.id, operationName: task.operationName, attempt: task.attempt });

  function makeReady(flow: FlowNode): void {
    flow.state = 'ready';
    ready.push(flow);
  }

  function hasCapacity(): boolean {
    if (throttled) {
      if (inFlight > maxInFlight - refill) return false;
      throttled = false;
    }
    if (inFlight >= maxInFlight) {
      throttled = true;
      return false;
    }
    return true;
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
        while (!disposed && readyHead < ready.length && (inFlight === 0 || hasCapacity())) {
          const flow = ready[readyHead++]!;
          if (flow.state === 'ready') step(flow);
          if (readyHead > 1024 && readyHead * 2 > ready.length) {
            ready.splice(0, readyHead);
            readyHead = 0;
          }
        }
        flush();
      } while (pumpAgain && !disposed);
    } finally {
      pumping = false;
    }
    detectDeadlock();
  }

  function flush(): void {
    while (buffer.length > 0 && !disposed) {
      const batch = buffer.length <= maxBatchLen ? buffer : buffer.slice(0, maxBatchLen);
      buffer = batch === buffer ? [] : buffer.slice(maxBatchLen);
      for (const task of batch) {
        const node = tasks.get(task.id)!;
        node.state = 'submitted';
        task.status = 'submitted';
        task.executionId = executionId;
        stats.submitted(task.operationName);
        emitTask('task_submitted', task);
      }
      config.push(batch);
    }
  }

  /** Advances a flow until it waits, finishes, runs out of capacity or of its turn. */
  function step(flow: FlowNode): void {
    let turn = maxBatchLen;
    while (flow.state === 'ready' && !disposed) {
      if (inFlight > 0 && !hasCapacity()) {
        flow.state = 'ready';
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
        finishFlow(flow);
      } else {
        handleYield(flow, result.value);
      }
      if (buffer.length >= maxBatchLen) flush();
    }
  }

  function startGenerator(flow: FlowNode): NonNullable<FlowNode['generator']> {
    flow.flow.status = 'running';
    const generator = flow.flow.fn!(...flow.flow.args);
    if (typeof generator?.next !== 'function' || typeof generator.throw !== 'function') {
      throw new TypeError(
        `Flow '${flow.flow.name}' (${flow.id}): its fn did not return a generator; declare it with function*`,
      );
    }
    flow.generator = generator;
    return generator;
  }

  function handleYield(flow: FlowNode, value: unknown): void {
    if (value instanceof Dependency) return waitFor(flow, value);
    if (value instanceof Task) return startTask(flow, value);
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
      `Flow '${flow.flow.name}' yielded ${describe(value)}; a flow may yield a Task, a Flow, ` +
        'an array of them, or a Dependency',
    );
  }

  function startTask(owner: FlowNode, task: Task): void {
    const existing = tasks.get(task.id);
    if (existing !== undefined) {
      if (existing.state === 'done') {
        copyOutcome(task, existing);
        return;
      }
      if (task !== existing.task) (existing.aliases ??= []).push(task);
      if (!owner.children.has(existing)) {
        owner.children.add(existing);
        (existing.owners ??= []).push(owner);
      }
      return;
    }
    const stored = config.completed?.get(task.id);
    if (stored !== undefined) {
      const node = createTaskNode(task, owner);
      node.state = 'done';
      node.outcome = stored;
      node.task = undefined;
      node.owners = undefined;
      tasks.set(task.id, node);
      copyOutcome(task, node);
      stats.skipped(task.operationName);
      config.emit({ type: 'task_skipped', executionId, taskId: task.id, operationName: task.operationName, outcome: stored });
      return;
    }
    const node = createTaskNode(task, owner);
    tasks.set(task.id, node);
    owner.children.add(node);
    inFlight++;
    buffer.push(task);
  }

  function startFlow(owner: FlowNode, flow: Flow<unknown>): void {
    const existing = flows.get(flow.id);
    if (existing !== undefined) {
      if (existing.state !== 'done' && !owner.children.has(existing)) {
        owner.children.add(existing);
        (existing.owners ??= []).push(owner);
      }
      return;
    }
    if (isAncestor(flow.id, owner)) {
      owner.pendingError = new MazepaError(`Flow '${owner.flow.name}' yielded its own ancestor ${flow.id}`, {
        flowId: owner.id,
      });
      return;
    }
    const node = createFlowNode(flow, owner);
    flows.set(flow.id, node);
    owner.children.add(node);
    launch(node);
  }

  function launch(node: FlowNode): void {
    const source = node.flow.source;
    if (source === undefined) return makeReady(node);
    node.flow.status = 'running';
    node.state = 'streaming';
    streaming++;
    node.source = source.subscribe({
      next: (value) => {
        if (node.state !== 'streaming') return;
        handleYield(node, value);
        if (node.pendingError !== undefined) {
          const error = node.pendingError;
          node.pendingError = undefined;
          endStream(node);
          failFlow(node, error);
        }
        pump();
      },
      error: (error: unknown) => {
        if (node.state !== 'streaming') return;
        endStream(node);
        failFlow(node, toError(error));
        pump();
      },
      complete: () => {
        if (node.state !== 'streaming') return;
        endStream(node);
        finishFlow(node);
        pump();
      },
    });
  }

  function endStream(node: FlowNode): void {
    streaming--;
    node.state = 'finishing';
  }

  function resolveTarget(flow: FlowNode, target: DependencyTarget): Node {
    const id = typeof target === 'string' ? target : target.id;
    const node = tasks.get(id) ?? flows.get(id);
    if (node === undefined) {
      const what =
        target instanceof Task
          ? `task ${id} (operation '${target.operationName}')`
          : target instanceof Flow
            ? `flow ${id} ('${target.name}')`
            : `id '${id}'`;
      throw new MazepaError(
        `Flow '${flow.flow.name}' waits on ${what}, which was never yielded in this execution; ` +
          'yield it (from any flow) before depending on it',
        { flowId: flow.id, ...(target instanceof Task ? { taskId: id } : {}) },
      );
    }
    if (node.kind === 'flow' && (node === flow || isAncestor(node.id, flow))) {
      throw new MazepaError(
        `Flow '${flow.flow.name}' waits on ${node === flow ? 'itself' : `its ancestor '${node.flow.name}'`}, ` +
          'which can only finish after it: a deadlock',
        { flowId: flow.id },
      );
    }
    if (node.kind === 'task' && target instanceof Task && target !== node.task) {
      if (node.state === 'done') copyOutcome(target, node);
      else (node.aliases ??= []).push(target);
    }
    return node;
  }

  function waitFor(flow: FlowNode, dependency: Dependency): void {
    let nodes: Node[];
    try {
      nodes = dependency.targets === undefined ? [...flow.children] : dependency.targets.map((t) => resolveTarget(flow, t));
    } catch (error) {
      flow.pendingError = toError(error);
      return;
    }
    const waitingOn = new Set<Node>();
    for (const node of nodes) {
      if (node.state !== 'done') waitingOn.add(node);
      else if (node.failed !== undefined && propagates(node)) {
        flow.pendingError = node.failed;
        return;
      }
    }
    if (waitingOn.size === 0) return;
    for (const node of waitingOn) (node.waiters ??= []).push(flow);
    flow.waitingOn = waitingOn;
    flow.state = 'waiting';
  }

  function finishFlow(flow: FlowNode): void {
    flow.generator = undefined;
    if (flow.children.size === 0) return completeFlow(flow);
    flow.state = 'finishing';
    flow.waitingOn = new Set(flow.children);
    for (const node of flow.waitingOn) (node.waiters ??= []).push(flow);
  }

  function completeFlow(flow: FlowNode): void {
    flow.state = 'done';
    flow.flow.status = 'succeeded';
    flow.flow.outcome = { returnValue: flow.returnValue };
    config.emit({ type: 'flow_completed', executionId, flowId: flow.id, flowName: flow.flow.name, failed: false });
    settle(flow, undefined);
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
    settle(flow, error);
    if (flow === rootNode) config.finish(error, origins.get(error));
  }

  function propagates(node: Node): boolean {
    return node.kind === 'flow' || raiseOnFailedTask;
  }

  /** Marks a node done and lets its owners and waiters know. */
  function settle(node: Node, error: Error | undefined): void {
    const { owners, waiters } = node;
    node.owners = undefined;
    node.waiters = undefined;
    if (owners !== undefined) for (const owner of owners) owner.children.delete(node);
    if (waiters === undefined) return;
    const raise = error !== undefined && propagates(node);
    for (const flow of waiters) {
      if (flow.waitingOn === undefined || !flow.waitingOn.delete(node)) continue;
      if (!raise && flow.waitingOn.size > 0) continue;
      flow.waitingOn = undefined;
      if (flow.state === 'finishing') {
        if (raise) failFlow(flow, error);
        else completeFlow(flow);
      } else if (flow.state === 'waiting') {
        if (raise) flow.pendingError = error;
        makeReady(flow);
      }
    }
  }

  function applyOutcome(report: OutcomeReport): void {
    if (disposed) return;
    const node = tasks.get(report.taskId);
    if (node === undefined || node.state === 'done' || node.state === 'retrying') return;
    const task = node.task!;
    const { outcome } = report;
    if (outcome.error === undefined) {
      stats.succeeded(node.operationName);
      config.emit({ type: 'task_succeeded', executionId, taskId: node.id, operationName: node.operationName, outcome });
      complete(node, outcome, undefined);
    } else {
      if (report.attempt !== undefined && report.attempt < task.attempt) return;
      const decision = decideRetry(node.id, task.maxRetry, task.attempt, outcome.error, config.isTransient);
      if (decision.retry) return scheduleRetry(node, task, outcome, decision.delayMs);
      const error = errorFromSerialized(outcome.error);
      origins.set(error, { taskId: node.id, operationName: node.operationName });
      stats.failed(node.operationName);
      config.emit({
        type: 'task_failed',
        executionId,
        taskId: node.id,
        operationName: node.operationName,
        error: outcome.error,
        attempt: task.attempt,
      });
      complete(node, outcome, error);
    }
    pump();
  }

  function complete(node: TaskNode, outcome: TaskOutcome, error: Error | undefined): void {
    node.state = 'done';
    node.outcome = outcome;
    node.failed = error;
    copyOutcome(node.task!, node);
    if (node.aliases !== undefined) for (const alias of node.aliases) copyOutcome(alias, node);
    node.task = undefined;
    node.aliases = undefined;
    inFlight--;
    settle(node, error);
  }

  function scheduleRetry(node: TaskNode, task: Task, outcome: TaskOutcome, delayMs: number): void {
    node.state = 'retrying';
    stats.retried(node.operationName);
    config.emit({
      type: 'task_retried',
      executionId,
      taskId: node.id,
      operationName: node.operationName,
      error: outcome.error!,
      attempt: task.attempt,
      delayMs,
    });
    const subscription = timer(delayMs, scheduler).subscribe(() => {
      retryTimers.delete(subscription);
      task.attempt++;
      node.state = 'queued';
      buffer.push(task);
      pump();
    });
    retryTimers.add(subscription);
  }

  function detectDeadlock(): void {
    if (disposed || rootNode.state === 'done' || pumping) return;
    if (readyHead < ready.length || inFlight > 0 || streaming > 0 || retryTimers.size > 0) return;
    const stuck = [...flows.values()].filter((f) => f.state === 'waiting' || f.state === 'finishing');
    const lines = stuck
      .slice(0, 5)
      .map((f) => `'${f.flow.name}' (${f.id}) waits on ${[...(f.waitingOn ?? [])].map((n) => n.id).join(', ')}`);
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
      launch(rootNode);
      pump();
    },
    applyOutcome,
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const subscription of retryTimers) subscription.unsubscribe();
      retryTimers.clear();
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

function copyOutcome(task: Task, node: TaskNode): void {
  task.outcome = node.outcome;
  task.status = node.failed === undefined ? 'succeeded' : 'failed';
}

function isAncestor(id: string, flow: FlowNode): boolean {
  for (let f: FlowNode | undefined = flow.parent; f !== undefined; f = f.parent) if (f.id === id) return true;
  return false;
}

/** @internal */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new MazepaError(`A flow threw a non-Error value: ${String(value)}`, { cause: value });
}

function describe(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (typeof value === 'object') return `an object of class ${value.constructor?.name ?? 'Object'}`;
  return `a ${typeof value}`;
}

export type { Startable };
