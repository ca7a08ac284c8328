import { describe, expect, it } from 'vitest';
import { flowSchema, taskableOperation } from 'mazepa';
import { applyCompletion } from '../src/streams/engine/apply-completion.js';
import { createFlowNode, createTaskNode, type TaskNode } from '../src/streams/engine/nodes.js';
import { createTaskTable } from '../src/streams/engine/task-table.js';

const op = taskableOperation(function applied(_n: number) {});
const owner = createFlowNode(flowSchema(function* owner() {})(), undefined);

function setup(raiseOnFailedTask = true) {
  const tasks = createTaskTable();
  const log: string[] = [];
  const apply = applyCompletion({
    raiseOnFailedTask,
    tasks,
    sink: { settled: () => log.push('settled') },
    gate: { settle: (_node, error, raise) => log.push(`gate ${error?.message ?? 'ok'} ${raise}`) },
    taskFailed: (_node, error) => log.push(`origin ${error.message}`),
  });
  const node = (n: number): TaskNode => {
    const made = createTaskNode(op.makeTask(n), owner);
    tasks.add(made);
    return made;
  };
  return { tasks, log, apply, node };
}

describe('applyCompletion', () => {
  it('should keep only the value in the table, give every Task object of the id its outcome, then tell the sink and the gate', () => {
    const { tasks, log, apply, node } = setup();
    const a = node(1);
    const alias = op.makeTask(1);
    a.aliases = [alias];
    apply({ node: a, outcome: { returnValue: 5, executionSecs: 1 }, error: undefined });
    expect(tasks.node(a.id)).toBeUndefined();
    expect(tasks.get(a.id)).toBe(5);
    expect([a.task.status, alias.status]).toEqual(['succeeded', 'succeeded']);
    expect(alias.outcome?.returnValue).toBe(5);
    expect(log).toEqual(['settled', 'gate ok true']);
  });

  it('should record a failure’s origin and the failure, and pass raiseOnFailedTask to the gate', () => {
    const { tasks, log, apply, node } = setup(false);
    const b = node(2);
    const error = new Error('bad');
    apply({ node: b, outcome: { error: { name: 'Error', message: 'bad' }, executionSecs: 0 }, error });
    expect(tasks.failure(b.id)).toBe(error);
    expect(b.task.status).toBe('failed');
    expect(log).toEqual(['origin bad', 'settled', 'gate bad false']);
  });
});
