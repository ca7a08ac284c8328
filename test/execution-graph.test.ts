import { describe, expect, it } from 'vitest';
import { Dependency, flowSchema, taskableOperation } from 'mazepa';
import type { ExecutionEvent } from '../src/streams/execution-event.js';
import { createExecutionGraph } from '../src/streams/engine/graph/execution-graph.js';
import type { FailureOrigin } from '../src/streams/engine/graph/flow-lifecycle.js';
import { createStats } from '../src/streams/engine/stats.js';

const op = taskableOperation(function applied(_n: number) {});
const rootFlow = flowSchema(function* graphRoot() {});
const child = flowSchema(function* graphChild(_name: string) {});

/** A graph whose root started, recording events and the finish. */
function setup(raiseOnFailedTask = true) {
  const events: ExecutionEvent[] = [];
  const finished: [Error | undefined, FailureOrigin | undefined][] = [];
  const graph = createExecutionGraph(rootFlow(), {
    executionId: 'e',
    raiseOnFailedTask,
    completed: undefined,
    stats: createStats(),
    emit: (event) => events.push(event),
    finish: (error, origin) => finished.push([error, origin]),
  });
  expect(graph.start()).toEqual([graph.root]);
  return { graph, events, finished };
}

describe('createExecutionGraph', () => {
  it('should keep only a completed task’s value, give every Task object of the id its outcome, and ready its waiters', () => {
    const { graph } = setup();
    const waiter = graph.flowYielded(graph.root, child('w'))!;
    expect(graph.takeReadied()).toEqual([waiter]);
    const a = graph.taskYielded(graph.root, op.makeTask(1))!;
    const alias = op.makeTask(1);
    expect(graph.taskYielded(waiter, alias)).toBeUndefined();
    graph.dependencyYielded(waiter, new Dependency(alias));
    expect(waiter.state).toBe('waiting');
    expect(graph.tasksInFlight).toBe(1);
    const readied = graph.taskCompleted({ node: a, outcome: { returnValue: 5, executionSecs: 1 }, error: undefined });
    expect(readied).toEqual([waiter]);
    expect(waiter.state).toBe('ready');
    expect(graph.task(a.id)).toBeUndefined();
    expect(graph.tasksInFlight).toBe(0);
    expect([a.task.status, alias.status]).toEqual(['succeeded', 'succeeded']);
    expect(alias.outcome?.returnValue).toBe(5);
    const later = op.makeTask(1);
    expect(graph.taskYielded(graph.root, later)).toBeUndefined();
    expect(later.outcome?.returnValue).toBe(5);
  });

  it('should record a failure’s origin, and throw it into waiters only with raiseOnFailedTask', () => {
    for (const raise of [true, false]) {
      const { graph, finished } = setup(raise);
      const b = graph.taskYielded(graph.root, op.makeTask(2))!;
      graph.dependencyYielded(graph.root, new Dependency(b.task));
      const error = new Error('bad');
      graph.taskCompleted({ node: b, outcome: { error: { name: 'Error', message: 'bad' }, executionSecs: 0 }, error });
      expect(b.task.status).toBe('failed');
      expect(graph.root.state).toBe('ready');
      expect(graph.takeError(graph.root)).toBe(raise ? error : undefined);
      graph.flowFailed(graph.root, error);
      expect(finished).toEqual([[error, { taskId: b.id, operationName: 'applied' }]]);
    }
  });

  it('should find a task in flight by id whichever order outcomes come in, and none once it completed', () => {
    const { graph } = setup();
    const nodes = [1, 2, 3, 4].map((n) => graph.taskYielded(graph.root, op.makeTask(10 + n))!);
    for (const node of nodes) graph.taskSubmitted(node);
    const done = (i: number): void => {
      expect(graph.task(nodes[i]!.id)).toBe(nodes[i]);
      graph.taskCompleted({ node: nodes[i]!, outcome: { returnValue: i, executionSecs: 0 }, error: undefined });
      expect(graph.task(nodes[i]!.id)).toBeUndefined();
    };
    // Out of submission order (the second first, the fourth before the third), then in it.
    done(1);
    expect(graph.task(nodes[3]!.id)).toBe(nodes[3]);
    done(0);
    done(3);
    done(2);
    expect(graph.tasksInFlight).toBe(0);
    // More tasks out at once than the submission order keeps: each still found.
    const many = Array.from({ length: (1 << 14) + 10 }, (_, n) => graph.taskYielded(graph.root, op.makeTask(100 + n))!);
    for (const node of many) graph.taskSubmitted(node);
    for (const node of [...many].reverse()) {
      expect(graph.task(node.id)).toBe(node);
      graph.taskCompleted({ node, outcome: { returnValue: 0, executionSecs: 0 }, error: undefined });
    }
    expect(graph.task(many[0]!.id)).toBeUndefined();
  });

  it('should count a task from its start to its completion, through retries and requeues', () => {
    const { graph } = setup();
    const c = graph.taskYielded(graph.root, op.makeTask(3))!;
    graph.taskSubmitted(c);
    expect([c.state, c.task.status, c.task.executionId]).toEqual(['submitted', 'submitted', 'e']);
    graph.taskRetrying(c);
    expect(c.state).toBe('retrying');
    graph.taskRetried(c);
    expect([c.state, c.task.attempt]).toEqual(['queued', 2]);
    expect(graph.taskRequeued(c.id)).toBeUndefined(); // not submitted: nothing to requeue
    graph.taskSubmitted(c);
    expect(graph.taskRequeued(c.id)).toBe(c);
    expect(graph.tasksInFlight).toBe(1);
  });
});
