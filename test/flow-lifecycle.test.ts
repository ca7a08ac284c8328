import { describe, expect, it } from 'vitest';
import { flowSchema, taskableOperation } from 'mazepa';
import type { ExecutionEvent } from '../src/streams/execution-event.js';
import { createFlowLifecycle, type FailureOrigin } from '../src/streams/engine/graph/flow-lifecycle.js';
import { createFlowNode, createTaskNode } from '../src/streams/engine/graph/nodes.js';

const named = flowSchema(function* lived(_name: string) {});
const op = taskableOperation(function lifeOp(_n: number) {});

/** A lifecycle around a root and a child, recording events, settlements, stops and the finish. */
function setup() {
  const root = createFlowNode(named('root'), undefined);
  const child = createFlowNode(named('child'), root);
  const log: string[] = [];
  const events: ExecutionEvent[] = [];
  const finished: [Error | undefined, FailureOrigin | undefined][] = [];
  const lifecycle = createFlowLifecycle({
    executionId: 'e',
    root,
    emit: (event) => events.push(event),
    waits: {
      settle: (node, error) => log.push(`settle ${node.id === root.id ? 'root' : 'child'}${error ? ' failed' : ''}`),
      waitForAll: (flow, state) => log.push(`${flow.flow.args[0]} ${state}`),
    },
    stop: (flow) => log.push(`stop ${flow.flow.args[0]}`),
    finish: (error, origin) => finished.push([error, origin]),
  });
  return { root, child, log, events, finished, lifecycle };
}

describe('createFlowLifecycle', () => {
  it('should end a flow with its return value, tell the gate, and finish the execution at the root', () => {
    const { root, child, log, events, finished, lifecycle } = setup();
    lifecycle.returned(child, 42);
    expect(log).toEqual(['child finishing']);
    lifecycle.complete(child);
    expect(child.flow.status).toBe('succeeded');
    expect(child.flow.outcome).toEqual({ returnValue: 42 });
    expect(events).toEqual([
      { type: 'flow_completed', executionId: 'e', flowId: child.id, flowName: 'lived', failed: false },
    ]);
    expect(finished).toEqual([]);
    lifecycle.complete(root);
    expect(log).toEqual(['child finishing', 'settle child', 'settle root']);
    expect(finished).toEqual([[undefined, undefined]]);
  });

  it('should fail a flow once, and name the first task or flow a failure came from when it reaches the root', () => {
    const { root, child, log, finished, lifecycle } = setup();
    const task = createTaskNode(op.makeTask(1), child);
    const boom = new Error('boom');
    lifecycle.taskFailed(task, boom);
    lifecycle.fail(child, boom);
    lifecycle.fail(child, new Error('again')); // done already: nothing happens
    expect(child.flow.status).toBe('failed');
    expect(child.flow.outcome?.error?.message).toBe('boom');
    lifecycle.fail(root, boom);
    expect(log).toEqual(['stop child', 'settle child failed', 'stop root', 'settle root failed']);
    expect(finished).toEqual([[boom, { taskId: task.id, operationName: 'lifeOp' }]]);
  });

  it('should name the flow as the origin of an error that no task made', () => {
    const { root, finished, lifecycle } = setup();
    const error = new Error('thrown by the flow');
    lifecycle.fail(root, error);
    expect(finished).toEqual([[error, { flowId: root.id, flowName: 'lived' }]]);
  });
});
