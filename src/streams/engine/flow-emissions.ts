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
 * How a flow's emissions are pulled on demand (the engine's backpressure), after the pull
 * protocol of reactive streams: the Observable hands its `request` to {@link FlowDemand.attach}
 * when subscribed, and steps its generator only inside a `request`, while {@link FlowDemand.pull}
 * says so. Without a demand, a subscription steps the generator to its end at once.
 *
 * @internal
 */
export interface FlowDemand {
  /** Takes the flow's `request` (called once, on subscribe): each call steps it while `pull` allows. */
  attach(request: () => void): void;
  /** Before each step: `false` stops it (until its next request), `true` steps it, an Error is thrown into it. */
  pull(): boolean | Error;
}

/** No demand: every step at once. */
const EAGER: FlowDemand = { attach: (request) => request(), pull: () => true };

/**
 * {@link flowEmissions}, pulled by `demand` (see {@link FlowDemand}), and the return value of a
 * generator flow handed to `returned` before the Observable completes. The only place a
 * generator is stepped: the engine drives every flow through it, and `dryRun` counts with it.
 *
 * @internal
 */
export function emissionsOf(
  flow: Flow<unknown>,
  returned?: (value: unknown) => void,
  demand: FlowDemand = EAGER,
): Observable<Yieldable> {
  if (flow.source !== undefined) return flow.source;
  return new Observable<Yieldable>((subscriber) => {
    let generator: FlowGenerator<unknown> | undefined;
    let started = false;
    const request = (): void => {
      for (;;) {
        if (subscriber.closed) return;
        const pull = demand.pull();
        if (pull === false) return;
        let step: IteratorResult<unknown, unknown>;
        try {
          if (!started) {
            started = true;
            generator = startGenerator(flow);
          }
          step = pull === true ? generator!.next(undefined) : generator!.throw(pull);
        } catch (error) {
          generator = undefined;
          subscriber.error(error);
          return;
        }
        if (step.done) {
          generator = undefined;
          returned?.(step.value);
          subscriber.complete();
          return;
        }
        subscriber.next(step.value as Yieldable);
      }
    };
    demand.attach(request);
    return () => {
      try {
        generator?.return(undefined);
      } catch {
        // a finally block that throws after the subscriber left has nobody to report to
      }
      generator = undefined;
    };
  });
}
