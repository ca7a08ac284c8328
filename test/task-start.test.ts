import { describe, expect, it } from 'vitest';
import { flowSchema, taskableOperation } from 'mazepa';
import type { ExecutionEvent } from '../src/streams/execution-event.js';
import { createFlowNode } from '../src/streams/engine/graph/nodes.js';
import { createStats } from '../src/streams/engine/stats.js';
import { createTaskStart } from '../src/streams/engine/graph/task-start.js';
import { createTaskTable } from '../src/streams/engine/graph/task-table.js';

const op = taskableOperation(function started(_n: number) {});
const named = flowSchema(function* starter(_name: string) {});

function setup(completed?: ReadonlyMap<string, { returnValue: unknown; executionSecs: number }>) {
  const tasks = createTaskTable();
  const events: ExecutionEvent[] = [];
  const gateLog: string[] = [];
  const stats = createStats();
  const start = createTaskStart({
    executionId: 'e',
    tasks,
    completed,
    waits: {
      adopt: (id) => gateLog.push(`adopt ${id}`),
      settleAwaited: (id) => gateLog.push(`settled ${id}`),
    },
    stats,
    emit: (event) => events.push(event),
  });
  const [f, g] = [createFlowNode(named('f'), undefined), createFlowNode(named('g'), undefined)];
  return { tasks, events, gateLog, stats, start, f, g };
}

describe('createTaskStart', () => {
  it('should give a new task a node that counts as its flow’s child, and return it for the sink', () => {
    const { tasks, gateLog, start, f } = setup();
    const task = op.makeTask(1);
    const node = start(f, task);
    expect(node?.task).toBe(task);
    expect(tasks.node(task.id)).toBe(node);
    expect(f.pendingChildren).toBe(1);
    expect(gateLog).toEqual([`adopt ${task.id}`]);
  });

  it('should make a task yielded again by another flow (or as another object) an owner and an alias, not a new task', () => {
    const { start, f, g } = setup();
    const node = start(f, op.makeTask(1))!;
    const again = op.makeTask(1);
    expect(start(g, again)).toBeUndefined();
    expect(start(f, op.makeTask(1))).toBeUndefined();
    expect(node.aliases).toHaveLength(2);
    expect(node.aliases?.[0]).toBe(again);
    expect(node.moreOwners).toEqual([g]);
    expect([f.pendingChildren, g.pendingChildren]).toEqual([1, 1]);
  });

  it('should give a task done already its outcome, and skip one the checkpoint holds', () => {
    const stored = op.makeTask(2);
    const { tasks, events, gateLog, stats, start, f } = setup(
      new Map([[stored.id, { returnValue: 'kept', executionSecs: 3 }]]),
    );
    expect(start(f, stored)).toBeUndefined();
    expect(stored.outcome).toEqual({ returnValue: 'kept', executionSecs: 3 });
    expect(events.map((e) => e.type)).toEqual(['task_skipped']);
    expect(stats.operations.get('started')?.skipped).toBe(1);
    expect(gateLog).toEqual([`settled ${stored.id}`]);
    const done = op.makeTask(3);
    const node = start(f, done)!;
    tasks.done(node.id, { returnValue: 9, executionSecs: 1 }, undefined);
    const later = op.makeTask(3);
    expect(start(f, later)).toBeUndefined();
    expect(later.outcome?.returnValue).toBe(9);
    expect(later.status).toBe('succeeded');
    expect(f.pendingChildren).toBe(1);
  });
});
