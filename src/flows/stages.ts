import { Dependency } from './dependency.js';
import { Flow, type FlowGenerator, type Startable } from './flow.js';

/** A stage of {@link sequentialFlow}: a task, a flow, or a callback run in the orchestrator. */
export type Stage = Startable | (() => unknown);

/**
 * A flow that starts every stage at once and completes when all are done.
 *
 * @example
 * ```ts
 * import { concurrentFlow, execute } from 'mazepa';
 * await execute(concurrentFlow([flowA, flowB, taskC]));
 * ```
 */
export function concurrentFlow(stages: readonly Startable[], name = 'concurrentFlow'): Flow<void> {
  checkStages('concurrentFlow', stages, false);
  return new Flow<void>({
    name,
    fn: function* (): FlowGenerator {
      yield stages;
      yield new Dependency();
    },
  });
}

/**
 * A flow that runs its stages one after another: each starts once the previous one is done.
 * A stage that is a function runs in the orchestrator; if it returns a task or flow, that is
 * run as part of the stage.
 *
 * @example
 * ```ts
 * import { execute, sequentialFlow } from 'mazepa';
 * await execute(sequentialFlow([download.makeTask(url), () => console.log('downloaded'), process()]));
 * ```
 */
export function sequentialFlow(stages: readonly Stage[], name = 'sequentialFlow'): Flow<void> {
  checkStages('sequentialFlow', stages, true);
  return new Flow<void>({
    name,
    fn: function* (): FlowGenerator {
      for (const stage of stages) {
        const started = typeof stage === 'function' ? stage() : stage;
        if (started instanceof Flow || isTaskLike(started)) {
          yield started as Startable;
          yield new Dependency(started as Startable);
        }
      }
    },
  });
}

function isTaskLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string';
}

function checkStages(owner: string, stages: readonly unknown[], allowFunctions: boolean): void {
  if (!Array.isArray(stages)) {
    throw new TypeError(`${owner}: stages must be an array, received ${typeof stages}`);
  }
  stages.forEach((stage, i) => {
    const ok = isTaskLike(stage) || (allowFunctions && typeof stage === 'function');
    if (!ok) {
      throw new TypeError(
        `${owner}: stage ${i} must be a Task or Flow${allowFunctions ? ' or a function' : ''}, received ${typeof stage}`,
      );
    }
  });
}
