import type { Observable } from 'rxjs';
import { Dependency } from './dependency.js';
import { MazepaError } from './errors.js';
import { randomId } from './ids.js';
import { errorFromSerialized, type SerializedError } from './serialized-error.js';
import type { Task } from './task.js';

/** A task or flow: what a flow starts by yielding it. */
export type Startable = Task<any, any> | Flow<any>;

/** What a flow generator may yield. */
export type Yieldable = Startable | Dependency | readonly Startable[];

/** The generator a flow runs. `R` is what it returns, which `yield* flow.result()` gives back. */
export type FlowGenerator<R = void> = Generator<Yieldable, R, unknown>;

/** Where a flow is in its life. */
export type FlowStatus = 'not_started' | 'running' | 'succeeded' | 'failed';

/** What came of a flow once it is done. */
export interface FlowOutcome<R = unknown> {
  readonly returnValue?: R;
  readonly error?: SerializedError;
}

/** What `new Flow(...)` takes. */
export interface FlowInit<R, A extends readonly unknown[]> {
  /** The generator function. */
  readonly fn: (...args: A) => FlowGenerator<R>;
  /** Its arguments. @default [] */
  readonly args?: A;
  /** The flow's id. @default a random id */
  readonly id?: string;
  /** A readable name for events and errors. @default fn.name */
  readonly name?: string;
}

/**
 * A flow: a generator function that yields tasks, subflows and dependencies. Creating it does not
 * run it; `execute` (or yielding it from another flow) does.
 *
 * @typeParam R - what the generator returns
 * @example
 * ```ts
 * import { Flow, Task, execute } from 'mazepa';
 * const greet = (name: string) => console.log(`Hello ${name}!`);
 * function* greetMany(names: string[]) {
 *   for (const name of names) yield new Task({ fn: greet, args: [name] });
 * }
 * await execute(new Flow({ fn: greetMany, args: [['Albert', 'Isaac']] }));
 * ```
 */
export class Flow<R = void> {
  readonly id: string;
  readonly name: string;
  /** The generator function the flow runs (an empty one for an `observableFlow`). */
  readonly fn: ((...args: any[]) => FlowGenerator<R>) | undefined;
  readonly args: readonly unknown[];
  /** For flows made from an Observable: the tasks and flows it emits. @internal */
  readonly source: Observable<Startable | readonly Startable[]> | undefined;
  status: FlowStatus = 'not_started';
  /** Set once the flow is done. */
  outcome: FlowOutcome<R> | undefined = undefined;

  constructor(init: ((...args: []) => FlowGenerator<R>) | FlowInit<R, any>) {
    const options: FlowInit<R, any> = typeof init === 'function' ? { fn: init } : init;
    if (typeof options?.fn !== 'function') {
      throw new TypeError(`Flow: option 'fn' must be a generator function, received ${typeof options?.fn}`);
    }
    refuseAsyncGenerator('Flow', options.fn);
    if (options.args !== undefined && !Array.isArray(options.args)) {
      throw new TypeError(`Flow: option 'args' must be an array, received ${typeof options.args}`);
    }
    this.fn = options.fn;
    this.args = options.args ?? [];
    this.name = options.name ?? (options.fn.name || 'flow');
    this.id = options.id ?? randomId(`flow-${this.name}`);
    this.source = undefined;
  }

  /**
   * A flow whose children are what an Observable emits (tasks, flows, or arrays of them); it
   * completes when the Observable completes and every child is done.
   *
   * @internal use {@link observableFlow}
   */
  static fromSource<R = void>(
    source: Observable<Startable | readonly Startable[]>,
    name: string,
    id?: string,
  ): Flow<R> {
    const flow = new Flow<R>({ fn: emptyGenerator as () => FlowGenerator<R>, name, ...(id ? { id } : {}) });
    (flow as { source: typeof source }).source = source;
    return flow;
  }

  /**
   * Waits for this flow and returns what its generator returned: `const v = yield* sub.result()`.
   * Yields the flow first if it was not started yet. In a dry run (`dryRun`, `estimateTotals`)
   * it gives `undefined`, whatever `R` says.
   *
   * @example
   * ```ts
   * import { flowSchema } from 'mazepa';
   * const inner = flowSchema(function* inner() { return 42; });
   * const outer = flowSchema(function* outer() { const v = yield* inner().result(); });
   * ```
   */
  *result(): Generator<Flow<R> | Dependency, R, unknown> {
    if (this.status === 'not_started') yield this;
    yield new Dependency(this);
    const outcome = this.outcome;
    if (outcome === undefined) {
      throw new MazepaError(`Flow ${this.id} has no outcome after its dependency was satisfied`, {
        flowId: this.id,
      });
    }
    if (outcome.error !== undefined) throw errorFromSerialized(outcome.error);
    return outcome.returnValue as R;
  }
}

// eslint-disable-next-line require-yield
function* emptyGenerator(): FlowGenerator<void> {
  return;
}

/**
 * Throws a `TypeError` for an `async function*`: a flow's generator must be synchronous (its
 * waits are `yield`s, and its tasks may be async), and an async one would never be stepped.
 *
 * @internal
 */
export function refuseAsyncGenerator(owner: string, fn: unknown): void {
  if (Object.prototype.toString.call(fn) !== '[object AsyncGeneratorFunction]') return;
  const name = (fn as { name?: string }).name || 'anonymous';
  throw new TypeError(
    `${owner}: '${name}' is an async generator function (async function*); a flow must be a plain ` +
      'function*: it waits by yielding tasks (which may be async) and `yield* task.result()`, not by await',
  );
}

/** @internal */
export function isFlow(value: unknown): value is Flow<unknown> {
  return value instanceof Flow;
}
