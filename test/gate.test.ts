import { describe, expect, it } from 'vitest';
import { Dependency, flowSchema, taskableOperation } from 'mazepa';
import { createWaits } from '../src/streams/engine/graph/waits.js';
import { createFlowNode, createTaskNode, type FlowNode } from '../src/streams/engine/graph/nodes.js';
import { createTaskTable } from '../src/streams/engine/graph/task-table.js';

const op = taskableOperation(function gated(_n: number) {});
const waiter = flowSchema(function* waiter(_name: string) {});

/** A gate over a fresh table, recording which flows it lets go and which it ends. */
function setup(raiseOnFailedTask = true) {
  const tasks = createTaskTable();
  const flows = new Map<string, FlowNode>();
  const log: string[] = [];
  const gate = createWaits({
    raiseOnFailedTask,
    tasks,
    flows,
    makeReady: (flow) => {
      flow.state = 'ready';
      log.push(`ready ${flow.flow.args[0]}${flow.pendingError ? ` (${flow.pendingError.message})` : ''}`);
    },
    completeFlow: (flow) => log.push(`complete ${flow.flow.args[0]}`),
    failFlow: (flow, error) => log.push(`fail ${flow.flow.args[0]}: ${error.message}`),
  });
  const flow = (name: string) => {
    const node = createFlowNode(waiter(name), undefined);
    flows.set(node.id, node);
    return node;
  };
  const task = (n: number, owner: FlowNode) => {
    const node = createTaskNode(op.makeTask(n), owner);
    tasks.add(node);
    owner.pendingChildren++;
    return node;
  };
  return { gate, log, flow, task };
}

describe('the gate (completions resume waiting flows)', () => {
  it('resumes a flow in the call that settles the last task it waits on', () => {
    const { gate, log, flow, task } = setup();
    const owner = flow('owner');
    const f = flow('f');
    const [t1, t2] = [task(1, owner), task(2, owner)];
    gate.waitFor(f, new Dependency([t1.task, t2.task]).targets!);
    expect(f.state).toBe('waiting');
    gate.settle(t1, undefined, true);
    expect(log).toEqual([]);
    gate.settle(t2, undefined, true);
    expect(log).toEqual(['ready f']);
  });

  it('throws a failure into the waiting flow at once, and ends a finishing flow when its children are done', () => {
    const { gate, log, flow, task } = setup();
    const f = flow('f');
    const t = task(1, f);
    gate.waitFor(f, new Dependency(t.task).targets!);
    gate.settle(t, new Error('boom'), true);
    expect(log).toEqual(['ready f (boom)']);
    const g = flow('g');
    const u = task(2, g);
    gate.waitForAll(g, 'finishing');
    gate.settle(u, undefined, true);
    expect(log).toEqual(['ready f (boom)', 'complete g']);
  });

  it('holds a wait on an id nobody yielded yet, hands it over when it comes, and fails it when it never does', () => {
    const { gate, log, flow, task } = setup();
    const owner = flow('owner');
    const f = flow('f');
    const later = op.makeTask(7);
    gate.waitFor(f, [later]);
    const node = task(7, owner);
    gate.adopt(later.id, node);
    gate.settle(node, undefined, true);
    expect(log).toEqual(['ready f']);
    const g = flow('g');
    gate.waitFor(g, ['nobody']);
    expect(gate.failAwaited()).toBe(true);
    expect(log[1]).toMatch(/^ready g \(Flow 'waiter' waits on id 'nobody', which was never yielded/);
    expect(gate.failAwaited()).toBe(false);
  });
});
