import { Dependency } from './dependency.js';
import { describeValue } from './describe-value.js';
import { MazepaError } from './errors.js';
import { Flow, type Startable, type Yieldable } from './flow.js';
import { errorFromSerialized } from './serialized-error.js';
import { Task } from './task.js';

/**
 * What a task, a flow or an array of them gives back: a `Task<T>` or `Flow<T>` gives `T`, an
 * array gives an array (a tuple for a tuple) of those.
 *
 * @example
 * ```ts
 * import type { Flow, ResultOf, Task } from 'mazepa';
 * type Both = ResultOf<[Task<number>, Flow<string>]>; // [number, string]
 * ```
 */
export type ResultOf<T> =
  T extends Task<infer R, any>
    ? R
    : T extends Flow<infer R>
      ? R
      : T extends readonly unknown[]
        ? { -readonly [K in keyof T]: ResultOf<T[K]> }
        : unknown;

/**
 * Waits for several tasks and flows at once and returns their values in the same order, typed
 * like `Promise.all`: `const [a, b] = yield* all([taskA, flowB])`. Starts those not yielded yet
 * (all together, so they run in parallel). The first failure is thrown at once, as a failed
 * `yield* task.result()` would be; the others go on running. In a dry run every value is
 * `undefined`. There is no `race`: a wait ends only when all it waits on are done, and a task
 * already handed to a queue cannot be taken back, so the losers of a race would still run and
 * their failures still reach the flow.
 *
 * @param items - tasks and flows (an array or a tuple)
 * @returns their values, in order
 * @example
 * ```ts
 * import { all, flowSchema, taskableOperation } from 'mazepa';
 * const size = taskableOperation(function size(path: string) { return path.length; });
 * const name = taskableOperation(function name(id: number) { return `chunk-${id}`; });
 * const sizes = flowSchema(function* sizes() {
 *   const [a, b] = yield* all([size.makeTask('a/b'), name.makeTask(7)]); // [number, string]
 *   const many = yield* all([1, 2, 3].map((i) => name.makeTask(i))); // string[]
 *   return `${a} ${b} ${many.length}`;
 * });
 * ```
 */
export function* all<const T extends readonly Startable[]>(items: T): Generator<Yieldable, ResultOf<T>, unknown> {
  if (!Array.isArray(items)) {
    throw new TypeError(`all: expected an array of tasks and flows, received ${describeValue(items)}`);
  }
  items.forEach((item: unknown, i) => {
    if (!(item instanceof Task) && !(item instanceof Flow)) {
      throw new TypeError(`all: item ${i} must be a Task or a Flow, received ${describeValue(item)}`);
    }
  });
  const unstarted = items.filter((item) =>
    item instanceof Task ? item.status === 'not_submitted' : item.status === 'not_started',
  );
  if (unstarted.length > 0) yield unstarted;
  if (items.length > 0) yield new Dependency(items);
  return items.map(valueOf) as ResultOf<T>;
}

function valueOf(item: Startable): unknown {
  const outcome = item.outcome as { returnValue?: unknown; error?: Parameters<typeof errorFromSerialized>[0] };
  if (outcome === undefined) {
    const kind = item instanceof Task ? 'Task' : 'Flow';
    throw new MazepaError(`${kind} ${item.id} has no outcome after its dependency was satisfied`, {
      ...(item instanceof Task ? { taskId: item.id } : { flowId: item.id }),
    });
  }
  if (outcome.error !== undefined) throw errorFromSerialized(outcome.error);
  return outcome.returnValue;
}
