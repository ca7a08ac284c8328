import { describe, expect, it } from 'vitest';
import { map } from 'rxjs';
import { Dependency, flowSchema } from 'mazepa';
import { gate } from '../src/streams/engine/gate.js';
import { createExecutionGraph, type Completion, type Readied } from '../src/streams/engine/graph/execution-graph.js';
import { createStats } from '../src/streams/engine/stats.js';
import { createTestScheduler, labelOf, step } from './helpers.js';

const root = flowSchema(function* gatedRoot() {});
const sub = flowSchema(function* gatedSub(_name: string) {});

/** A graph whose root yielded tasks a and b and a subflow w, all at a dependency. */
function setup() {
  const graph = createExecutionGraph(root(), {
    executionId: 'e',
    raiseOnFailedTask: true,
    completed: undefined,
    stats: createStats(),
    emit: () => {},
    finish: () => {},
  });
  graph.start();
  const [a, b] = [
    graph.taskYielded(graph.root, step.makeTask('a'))!,
    graph.taskYielded(graph.root, step.makeTask('b'))!,
  ];
  const w = graph.flowYielded(graph.root, sub('w'))!;
  graph.takeReadied();
  const names = map((flows: Readied) =>
    flows.map((f) => (f.flow.name === 'gatedSub' ? String(f.flow.args[0]) : 'root')).join(','),
  );
  return { graph, a, b, w, names };
}

describe('the gate (completions in, the flows to resume out)', () => {
  it('resumes each flow in the frame of the completion that was the last it waited on, and nothing on the others', () => {
    createTestScheduler().run(({ cold, expectObservable, flush }) => {
      const { graph, a, b, w, names } = setup();
      graph.dependencyYielded(w, new Dependency(a.task));
      graph.dependencyYielded(graph.root, new Dependency([a.task, b.task]));
      const completions: Record<string, Completion> = {
        a: { node: a, outcome: { returnValue: 1, executionSecs: 0 }, error: undefined },
        b: { node: b, outcome: { returnValue: 2, executionSecs: 0 }, error: undefined },
      };
      expectObservable(cold('-a--b', completions).pipe(gate(graph), names)).toBe('-x--y', { x: 'w', y: 'root' });
      flush();
      expect([w.state, graph.root.state]).toEqual(['ready', 'ready']);
      expect(labelOf(a.task)).toBe('a');
      expect(a.task.outcome?.returnValue).toBe(1);
    });
  });

  it('resumes a waiter at once with a failure, which it is thrown at its next step', () => {
    createTestScheduler().run(({ cold, expectObservable, flush }) => {
      const { graph, a, b, w, names } = setup();
      graph.dependencyYielded(w, new Dependency([a.task, b.task]));
      const error = new Error('a failed');
      const completions: Record<string, Completion> = {
        a: { node: a, outcome: { error: { name: 'Error', message: 'a failed' }, executionSecs: 0 }, error },
      };
      expectObservable(cold('--a', completions).pipe(gate(graph), names)).toBe('--x', { x: 'w' });
      flush();
      expect(graph.takeError(w)).toBe(error);
    });
  });
});
