import { describe, expect, it } from 'vitest';
import { from, map } from 'rxjs';
import { Dependency, flowSchema, type Flow, type Task } from 'mazepa';
import type { TaskEmission } from '../src/streams/engine/batching-sink.js';
import type { FlowYield } from '../src/streams/engine/flow-driver.js';
import { createFlowNode, createTaskNode, type TaskNode } from '../src/streams/engine/graph/nodes.js';
import { routeYields } from '../src/streams/engine/yield-router.js';
import { createTestScheduler, labelOf, step } from './helpers.js';

const sub = flowSchema(function* routedSub() {});
const known = step.makeTask('k');

/** A router whose task start makes a node for any task but `known`, recording what else it sees. */
function setup() {
  const log: string[] = [];
  const owner = createFlowNode(flowSchema(function* owner() {})(), undefined);
  const operator = routeYields({
    graph: {
      taskYielded: (flow, task) => (task === known ? undefined : createTaskNode(task, flow)),
      flowYielded: (flow, started: Flow<unknown>) => {
        log.push(`flow ${started.name} from ${flow.flow.name}`);
        return createFlowNode(started, flow);
      },
      dependencyYielded: (_flow, { targets }) =>
        log.push(
          targets === undefined
            ? 'wait for all (waiting)'
            : `wait for ${targets.map((t) => labelOf(t as Task)).join('')}`,
        ),
      yieldRejected: (flow, error) => (flow.pendingError = error),
    },
    started: { next: (flow) => log.push(`started ${flow.flow.name}`) },
  });
  const letters = map((e: TaskEmission) =>
    Array.isArray(e) ? (e as TaskNode[]).map((n) => labelOf(n.task)).join('') : labelOf((e as TaskNode).task),
  );
  const at = (value: unknown): FlowYield => ({ flow: owner, value });
  return { log, owner, operator, letters, at };
}

describe('the yield router (yields in, new tasks for the sink out)', () => {
  it('sends new tasks on (an array’s together), subflows to start and dependencies to the graph', () => {
    createTestScheduler().run(({ cold, expectObservable, flush }) => {
      const { log, operator, letters, at } = setup();
      const [a, b, c] = [step.makeTask('a'), step.makeTask('b'), step.makeTask('c')];
      const yields = {
        a: at(a),
        k: at(known), // known already: nothing to push
        l: at([b, sub(), known, c]),
        d: at(new Dependency(a)),
        e: at(new Dependency()),
      };
      // The tasks of an array before a subflow go on first (an observable subflow may emit at once).
      expectObservable(cold('a-k-l-d-e|', yields).pipe(operator, letters)).toBe('a---(bc)-|', {
        a: 'a',
        b: 'b',
        c: 'c',
      });
      flush();
      expect(log).toEqual(['flow routedSub from owner', 'started routedSub', 'wait for a', 'wait for all (waiting)']);
    });
  });

  it('has the graph throw a TypeError naming the flow for a yield that is not a task, flow, array of them or dependency', () => {
    const { operator } = setup();
    const named = flowSchema(function* misusing(_n: number) {});
    const [f1, f2] = [createFlowNode(named(1), undefined), createFlowNode(named(2), undefined)];
    const out: unknown[] = [];
    from([
      { flow: f1, value: 42 },
      { flow: f2, value: [step.makeTask('x'), 'y'] },
    ])
      .pipe(operator)
      .subscribe((e) => out.push(e));
    expect(f1.pendingError).toBeInstanceOf(TypeError);
    expect(f1.pendingError?.message).toMatch(
      /^Flow 'misusing' yielded a number; a flow may yield a Task, a Flow, an array of them, or a Dependency/,
    );
    expect(f2.pendingError?.message).toBe(
      "Flow 'misusing' yielded an array whose item 1 is a string; arrays may hold only tasks and flows",
    );
    expect(out).toEqual([]); // nothing of a bad array starts
  });
});
