import { Observable, type OperatorFunction } from 'rxjs';
import { Dependency } from '../../flows/dependency.js';
import { describeValue, misuseHint } from '../../flows/describe-value.js';
import { Flow } from '../../flows/flow.js';
import { Task } from '../../flows/task.js';
import type { TaskEmission } from './batching-sink.js';
import type { FlowYield } from './flow-driver.js';
import type { ExecutionGraph } from './graph/execution-graph.js';
import type { FlowNode, TaskNode } from './graph/nodes.js';

/** What the router asks of the graph, and where the subflows it starts go. @internal */
export interface YieldRouterConfig {
  /** Tasks and subflows start in the graph, dependencies make the flow wait, misuses are thrown into it. */
  readonly graph: Pick<ExecutionGraph, 'taskYielded' | 'flowYielded' | 'dependencyYielded' | 'yieldRejected'>;
  /** New subflows go here: they join the flow driver's input (their emissions merge with the others). */
  readonly started: { next(flow: FlowNode): void };
}

/**
 * The yield router, an operator: every flow's yields in, the new tasks for the sink out. A task
 * starts in the graph and goes on to the sink (an array's new tasks go on together); a subflow
 * starts in the graph and goes to `started` (its emissions join the yields); a `Dependency` makes
 * the flow wait in the graph. Anything else is a misuse: the graph throws a TypeError that names
 * the flow into it at its next step.
 *
 * @internal
 */
export function routeYields(config: YieldRouterConfig): OperatorFunction<FlowYield, TaskEmission> {
  const { graph, started } = config;
  const startTask = (owner: FlowNode, task: Task): TaskNode | undefined => graph.taskYielded(owner, task);
  const startFlow = (owner: FlowNode, flow: Flow<unknown>): void => {
    const node = graph.flowYielded(owner, flow);
    if (node !== undefined) started.next(node);
  };
  return (yields) =>
    new Observable<TaskEmission>((subscriber) =>
      yields.subscribe({
        next({ flow, value }) {
          if (value instanceof Task) {
            const node = startTask(flow, value);
            if (node !== undefined) subscriber.next(node);
          } else if (value instanceof Dependency) {
            graph.dependencyYielded(flow, value);
          } else if (value instanceof Flow) {
            startFlow(flow, value);
          } else if (Array.isArray(value)) {
            const bad = value.findIndex((item) => !(item instanceof Task) && !(item instanceof Flow));
            if (bad >= 0) {
              graph.yieldRejected(
                flow,
                new TypeError(
                  `Flow '${flow.flow.name}' yielded an array whose item ${bad} is ${describe(value[bad])}; ` +
                    'arrays may hold only tasks and flows',
                ),
              );
              return;
            }
            let started: TaskNode[] = [];
            for (const item of value) {
              if (item instanceof Task) {
                const node = startTask(flow, item);
                if (node !== undefined) started.push(node);
                continue;
              }
              // The tasks before a subflow go first: an observable one may emit tasks as it starts.
              if (started.length > 0) {
                subscriber.next(started);
                started = [];
              }
              startFlow(flow, item as Flow<unknown>);
            }
            if (started.length > 0) subscriber.next(started);
          } else {
            graph.yieldRejected(
              flow,
              new TypeError(
                `Flow '${flow.flow.name}' yielded ${describeValue(value)}; a flow may yield a Task, a Flow, ` +
                  `an array of them, or a Dependency${misuseHint(value, 'yield')}`,
              ),
            );
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
}

function describe(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (typeof value === 'object') return `an object of class ${value.constructor?.name ?? 'Object'}`;
  return `a ${typeof value}`;
}
