import { Observable } from 'rxjs';
import type { Flow, FlowGenerator, Yieldable } from '../../flows/flow.js';

/**
 * Calls a generator flow's function: its generator, or a TypeError when the function is not a
 * generator function. The first stage of the engine, shared with {@link flowEmissions}.
 *
 * @internal
 */
export function startGenerator(flow: Flow<unknown>): FlowGenerator<unknown> {
  const generator = flow.fn!(...flow.args);
  if (typeof generator?.next !== 'function' || typeof generator.throw !== 'function') {
    throw new TypeError(
      `Flow '${flow.name}' (${flow.id}): its fn did not return a generator; declare it with function*`,
    );
  }
  return generator;
}

/**
 * A flow's emissions as a cold Observable: each subscription starts the flow's generator and
 * steps it while subscribed, emitting every value it yields (tasks, subflows, arrays of them,
 * dependencies) in order, and completes when it returns. Nothing runs: a `Dependency` is emitted
 * and the generator goes on at once, so results it reads are what the tasks hold already
 * (`undefined` unless they ran). Unsubscribing closes the generator (its `finally` runs). For a
 * flow made with `observableFlow`, its source. Subflows are emitted, not entered.
 *
 * @example
 * import { flowEmissions, flowSchema, Task } from 'mazepa';
 * import { count, filter } from 'rxjs';
 * flowEmissions(job()).pipe(filter((e) => e instanceof Task), count()).subscribe(console.log);
 */
export function flowEmissions(flow: Flow<unknown>): Observable<Yieldable> {
  return emissionsOf(flow);
}

/**
 * {@link flowEmissions}, and the return value of a generator flow handed to `returned` before the
 * Observable completes (what `dryRun` gives to the flow's outcome).
 *
 * @internal
 */
export function emissionsOf(flow: Flow<unknown>, returned?: (value: unknown) => void): Observable<Yieldable> {
  if (flow.source !== undefined) return flow.source;
  return new Observable<Yieldable>((subscriber) => {
    let generator: FlowGenerator<unknown> | undefined;
    try {
      generator = startGenerator(flow);
      while (!subscriber.closed) {
        const step = generator.next(undefined);
        if (step.done) {
          generator = undefined;
          returned?.(step.value);
          subscriber.complete();
          break;
        }
        subscriber.next(step.value);
      }
    } catch (error) {
      generator = undefined;
      subscriber.error(error);
    }
    return () => {
      try {
        generator?.return(undefined);
      } catch {
        // a finally block that throws after the subscriber left has nobody to report to
      }
    };
  });
}
