import type { Observable } from 'rxjs';
import { Flow, type Startable } from './flow.js';

/** Options of {@link observableFlow}. */
export interface ObservableFlowOptions {
  /** The flow's name in events and errors. @default 'observableFlow' */
  readonly name?: string;
  /** The flow's id. @default a random id */
  readonly id?: string;
}

/**
 * A flow made from an Observable of tasks and flows (or arrays of them): each emission starts at
 * once, as if yielded; the flow completes when the Observable completes and every child is done,
 * and fails when it errors. Compose work with RxJS operators, then execute it.
 *
 * @example
 * ```ts
 * import { range, map } from 'rxjs';
 * import { execute, observableFlow, taskableOperation } from 'mazepa';
 * const square = taskableOperation(function square(x: number) { return x * x; });
 * await execute(observableFlow(range(0, 100).pipe(map((i) => square.makeTask(i)))));
 * ```
 */
export function observableFlow(
  source: Observable<Startable | readonly Startable[]>,
  options: ObservableFlowOptions = {},
): Flow<void> {
  if (typeof (source as { subscribe?: unknown })?.subscribe !== 'function') {
    throw new TypeError(`observableFlow: source must be an Observable, received ${typeof source}`);
  }
  return Flow.fromSource<void>(source, options.name ?? 'observableFlow', options.id);
}
