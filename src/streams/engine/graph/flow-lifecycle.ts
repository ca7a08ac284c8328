import { serializeError } from '../../../flows/serialized-error.js';
import type { ExecutionEvent } from '../../execution-event.js';
import type { Waits } from './waits.js';
import type { FlowNode, TaskNode } from './nodes.js';

/** Where a failure that reached the root came from. @internal */
export interface FailureOrigin {
  readonly taskId?: string;
  readonly operationName?: string;
  readonly flowId?: string;
  readonly flowName?: string;
}

/** What the lifecycle needs from the graph around it. @internal */
export interface FlowLifecycleConfig {
  readonly executionId: string;
  readonly root: FlowNode;
  readonly emit: (event: ExecutionEvent) => void;
  /** Where a flow's end is told: its owners and waiters hear of it; it waits for its children. */
  readonly waits: Pick<Waits, 'settle' | 'waitForAll'>;
  /** A flow failed before its end: its Observable is unsubscribed (see `flow-driver.ts`). */
  readonly stop: (flow: FlowNode) => void;
  /** The root flow is done: `error` is set when it failed. */
  readonly finish: (error: Error | undefined, origin: FailureOrigin | undefined) => void;
}

/** How flows end. @internal */
export interface FlowLifecycle {
  /** The flow's generator returned: it ends once its children are done. */
  returned(flow: FlowNode, value: unknown): void;
  /** The flow and all its children are done: it succeeds with its return value. */
  complete(flow: FlowNode): void;
  /** The flow fails (once: a done flow stays as it is). */
  fail(flow: FlowNode, error: Error): void;
  /** A task failed for good with `error`: where the error comes from, should it reach the root. */
  taskFailed(node: TaskNode, error: Error): void;
}

/**
 * Makes the lifecycle of the flows of one execution: a flow that ends gets its status and
 * outcome, a `flow_completed` event, and the waits settle it (its parent counts it off, flows
 * waiting on it go on or get its error); the root's end finishes the execution. A failure keeps
 * its origin (the first task or flow it came from), which names it in the execution's error.
 *
 * @internal
 */
export function createFlowLifecycle(config: FlowLifecycleConfig): FlowLifecycle {
  const { executionId, root, emit, waits, stop, finish } = config;
  const origins = new WeakMap<Error, FailureOrigin>();
  return {
    returned(flow, value) {
      flow.returnValue = value;
      waits.waitForAll(flow, 'finishing');
    },
    complete(flow) {
      flow.state = 'done';
      flow.flow.status = 'succeeded';
      flow.flow.outcome = { returnValue: flow.returnValue };
      emit({ type: 'flow_completed', executionId, flowId: flow.id, flowName: flow.flow.name, failed: false });
      waits.settle(flow, undefined, true);
      if (flow === root) finish(undefined, undefined);
    },
    fail(flow, error) {
      if (flow.state === 'done') return;
      stop(flow);
      flow.state = 'done';
      flow.failed = error;
      flow.flow.status = 'failed';
      flow.flow.outcome = { error: serializeError(error) };
      if (!origins.has(error)) origins.set(error, { flowId: flow.id, flowName: flow.flow.name });
      emit({ type: 'flow_completed', executionId, flowId: flow.id, flowName: flow.flow.name, failed: true });
      waits.settle(flow, error, true);
      if (flow === root) finish(error, origins.get(error));
    },
    taskFailed(node, error) {
      origins.set(error, { taskId: node.id, operationName: node.task.operationName });
    },
  };
}
