import { Observable, type OperatorFunction } from 'rxjs';
import { Dependency } from '../../flows/dependency.js';
import { describeValue, misuseHint } from '../../flows/describe-value.js';
import { Flow } from '../../flows/flow.js';
import { Task } from '../../flows/task.js';
import type { TaskEmission } from './batching-sink.js';
import type { FlowYield } from './flow-stepper.js';
import type { Gate } from './gate.js';
import type { FlowNode, TaskNode } from './nodes.js';

/** Where the router sends what it does not emit. @internal */
export interface YieldRouterConfig {
  /** A yielded task starts: its node when it is new (to push), `undefined` when it is known or done. */
  readonly startTask: (owner: FlowNode, task: Task) => TaskNode | undefined;
  /** A yielded subflow starts (or the flow counts as one more owner of it). */
  readonly startFlow: (owner: FlowNode, flow: Flow<unknown>) => void;
  /** Dependencies go to the gate. */
  readonly gate: Pick<Gate, 'waitFor' | 'waitForAll'>;
}

/**
 * The yield router, an operator: every flow's yields in, the new tasks for the sink out. A task
 * starts and goes on to the sink (an array's new tasks go on together); a subflow starts (and
 * joins the yields); a `Dependency` goes to the gate. Anything else is a misuse: a TypeError
 * that names the flow is set to be thrown into it at its next step.
 *
 * @internal
 */
export function routeYields(config: YieldRouterConfig): OperatorFunction<FlowYield, TaskEmission> {
  const { startTask, startFlow, gate } = config;
  return (yields) =>
    new Observable<TaskEmission>((subscriber) =>
      yields.subscribe({
        next({ flow, value }) {
          if (value instanceof Task) {
            const node = startTask(flow, value);
            if (node !== undefined) subscriber.next(node);
          } else if (value instanceof Dependency) {
            if (value.targets === undefined) gate.waitForAll(flow, 'waiting');
            else gate.waitFor(flow, value.targets);
          } else if (value instanceof Flow) {
            startFlow(flow, value);
          } else if (Array.isArray(value)) {
            const bad = value.findIndex((item) => !(item instanceof Task) && !(item instanceof Flow));
            if (bad >= 0) {
              flow.pendingError = new TypeError(
                `Flow '${flow.flow.name}' yielded an array whose item ${bad} is ${describe(value[bad])}; ` +
                  'arrays may hold only tasks and flows',
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
            flow.pendingError = new TypeError(
              `Flow '${flow.flow.name}' yielded ${describeValue(value)}; a flow may yield a Task, a Flow, ` +
                `an array of them, or a Dependency${misuseHint(value, 'yield')}`,
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
