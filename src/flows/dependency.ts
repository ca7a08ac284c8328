import type { Flow } from './flow.js';
import type { Task } from './task.js';

/** Something a {@link Dependency} can wait on: a task, a flow, or its id. */
export type DependencyTarget = Task<any, any> | Flow<any> | string;

/**
 * Yield this from a flow to wait. `new Dependency()` waits for everything the flow has yielded so
 * far (subflows included); `new Dependency(x)` or `new Dependency([x, y])` waits for those tasks
 * or flows, which may belong to any flow of the same execution. A failed task's error is thrown
 * at the `yield`, so the flow can catch it.
 *
 * @example
 * ```ts
 * import { Dependency, flowSchema, taskableOperation } from 'mazepa';
 * const step = taskableOperation(function step(i: number) { return i; });
 * const twoLayers = flowSchema(function* twoLayers() {
 *   yield [step.makeTask(1), step.makeTask(2)];
 *   yield new Dependency(); // both done before the next layer
 *   yield step.makeTask(3);
 * });
 * ```
 */
export class Dependency {
  /** What to wait on; `undefined` means everything the flow yielded so far. */
  readonly targets: readonly DependencyTarget[] | undefined;

  constructor(targets?: DependencyTarget | readonly DependencyTarget[]) {
    if (targets === undefined) {
      this.targets = undefined;
    } else {
      const list = Array.isArray(targets) ? [...targets] : [targets as DependencyTarget];
      list.forEach((target, i) => {
        const ok =
          typeof target === 'string' ||
          (typeof target === 'object' && target !== null && typeof (target as { id?: unknown }).id === 'string');
        if (!ok) {
          throw new TypeError(
            `Dependency: target ${i} must be a Task, a Flow or an id string, received ${describe(target)}`,
          );
        }
      });
      this.targets = list;
    }
  }

  /** True when this dependency waits for all of the flow's children so far. */
  get waitsForAll(): boolean {
    return this.targets === undefined;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object without an id (${value.constructor?.name ?? 'Object'})`;
  return typeof value;
}
