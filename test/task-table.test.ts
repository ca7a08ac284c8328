import { describe, expect, it } from 'vitest';
import { flowSchema, taskableOperation } from 'mazepa';
import { createFlowNode, createTaskNode } from '../src/streams/engine/graph/nodes.js';
import { createTaskTable } from '../src/streams/engine/graph/task-table.js';

const op = taskableOperation(function tableOp(_n: number) {});
const owner = createFlowNode(flowSchema(function* owner() {})(), undefined);

describe('the task table', () => {
  it('holds a node while the task is in flight, then only its value (undefined kept apart from absent)', () => {
    const table = createTaskTable();
    const node = createTaskNode(op.makeTask(1), owner);
    table.add(node);
    expect(table.node(node.id)).toBe(node);
    table.done(node.id, { returnValue: undefined, executionSecs: 1 }, undefined);
    expect(table.node(node.id)).toBeUndefined();
    expect(table.get(node.id)).not.toBeUndefined();
    const copy = op.makeTask(1);
    table.copyDone(copy, node.id, table.get(node.id));
    expect(copy.outcome).toEqual({ returnValue: undefined, executionSecs: 0 });
    expect(copy.status).toBe('succeeded');
  });

  it('keeps the error and outcome of a failed task for later copies', () => {
    const table = createTaskTable();
    const node = createTaskNode(op.makeTask(2), owner);
    table.add(node);
    const error = new Error('bad');
    const outcome = { error: { name: 'Error', message: 'bad' }, executionSecs: 1 };
    table.done(node.id, outcome, error);
    expect(table.failure(node.id)).toBe(error);
    const copy = op.makeTask(2);
    table.copyDone(copy, node.id, table.get(node.id));
    expect(copy.outcome).toBe(outcome);
    expect(copy.status).toBe('failed');
  });
});
