import { Dependency } from '../../flows/dependency.js';
import { describeValue, misuseHint } from '../../flows/describe-value.js';
import { MazepaError } from '../../flows/errors.js';
import { Flow, type Startable } from '../../flows/flow.js';
import { Task, type TaskOutcome } from '../../flows/task.js';
import { tap } from 'rxjs';
import { emissionsOf } from './flow-emissions.js';

/** What {@link dryRun} counts. */
export interface DryRunResult {
  /** Distinct tasks (by id) per operation name. */
  readonly operations: Readonly<Record<string, number>>;
  /** Distinct tasks in all. */
  readonly total: number;
  /** Flows run, the root ones included. */
  readonly flows: number;
  /**
   * Flows that threw in the dry run (most often because a task's result is `undefined` there):
   * each one's count ends where it threw, so the counts are a lower bound. Empty when every flow
   * ran to its end.
   */
  readonly partial: readonly DryRunStop[];
}

/** A flow whose dry run ended early; see {@link DryRunResult.partial}. */
export interface DryRunStop {
  readonly flowId: string;
  readonly flowName: string;
  /** What it threw. */
  readonly error: Error;
}

/** Yields of known tasks in a row, beyond one per task, after which a flow is taken to loop. */
const LOOP_ALLOWANCE = 10_000;

/** What a task seems to return in a dry run. */
const DRY_OUTCOME: TaskOutcome = Object.freeze({ returnValue: undefined, executionSecs: 0 });

/**
 * Counts the distinct tasks per operation that `target` would make, without running a task:
 * the flow generators run, every dependency is satisfied at once, and every task seems to
 * return `undefined`: in a dry run `yield* task.result()`, `yield* flow.result()` and
 * `yield* all(...)` give `undefined` (or an array of them), whatever their type says. Flows
 * whose control flow depends on task results are therefore estimated, not counted exactly; a
 * flow that throws on such a value (`header.chunks` of an `undefined` header) ends its count
 * there and is listed in `partial`, and the others go on: a dry run rejects only for a target
 * that is not a task or flow. A flow that loops until a task returns something is stopped (and
 * listed in `partial`) once it has yielded only tasks it yielded before, more times in a row than
 * there are tasks and flows (plus 10,000).
 * The tasks the flows yield get an `undefined` outcome; a later real run overwrites it as each
 * task completes.
 *
 * @param target - what `execute` would run: a task, a flow, or an array of them
 * @returns the counts, once every flow has ended
 * @example
 * ```ts
 * import { dryRun, flowSchema, taskableOperation } from 'mazepa';
 * const resize = taskableOperation(function resize(chunk: number) {});
 * const all = flowSchema(function* all(n: number) {
 *   yield Array.from({ length: n }, (_, i) => resize.makeTask(i));
 * });
 * const counts = await dryRun(all(1000));
 * console.log(counts.operations.resize); // 1000
 * ```
 */
export async function dryRun(target: Startable | readonly Startable[]): Promise<DryRunResult> {
  const seen = new Set<string>();
  const perOperation = new Map<string, number>();
  const flowsRun = new Set<string>();
  const partial: DryRunStop[] = [];

  const handle = (value: unknown, owner: Flow<unknown> | undefined, children: Flow<unknown>[]): void => {
    if (value instanceof Task) {
      if (!seen.has(value.id)) {
        seen.add(value.id);
        perOperation.set(value.operationName, (perOperation.get(value.operationName) ?? 0) + 1);
      }
      if (value.outcome === undefined) value.outcome = DRY_OUTCOME;
    } else if (value instanceof Flow) {
      if (!flowsRun.has(value.id)) children.push(value);
    } else if (Array.isArray(value)) {
      for (const item of value) handle(item, owner, children);
    } else if (value instanceof Dependency) {
      for (const t of value.targets ?? []) if (t instanceof Task && t.outcome === undefined) t.outcome = DRY_OUTCOME;
    } else if (owner !== undefined) {
      throw new MazepaError(`Flow '${owner.name}' yielded ${describeYield(value)}`, { flowId: owner.id });
    } else {
      throw new TypeError(`dryRun: target must be a Task, a Flow or an array of them, received ${String(value)}`);
    }
  };

  const runFlow = (flow: Flow<unknown>): Promise<void> => {
    if (flowsRun.has(flow.id)) return Promise.resolve();
    flowsRun.add(flow.id);
    // Whatever happens, the flow seems to return `undefined`, so the flows that wait on it go on.
    flow.outcome = { returnValue: undefined };
    const stepped = flow.source === undefined;
    const children: Flow<unknown>[] = [];
    const running: Promise<void>[] = [];
    // Yields of tasks seen before, in a row: a flow that waits in a loop for a result (which is
    // `undefined` here) would go on forever. A flow that only reads results of tasks it yielded
    // makes at most one such yield per task, so more than that (with room to spare) is a loop.
    let repeats = 0;
    const visit = (value: unknown): void => {
      const known = seen.size;
      handle(value, flow, children);
      if (!stepped || value instanceof Dependency) return;
      repeats = seen.size === known && children.length === 0 ? repeats + 1 : 0;
      if (repeats > known + flowsRun.size + LOOP_ALLOWANCE) {
        throw new MazepaError(
          `Flow '${flow.name}' yielded only tasks it had yielded before, ${repeats} times in a row: it ` +
            'seems to wait in a loop for a task result, and results are undefined in a dry run',
          { flowId: flow.id },
        );
      }
      // Subflows run (a generator one to its end) before the flow goes on, so it finds their results ready.
      for (const child of children.splice(0)) running.push(runFlow(child));
    };
    // What throws in `visit` ends the flow's emissions, which closes its generator (its finally
    // blocks run, as they would when a real run ends).
    return new Promise<void>((resolve) => {
      emissionsOf(flow, (value) => (flow.outcome = { returnValue: value }))
        .pipe(tap(visit))
        .subscribe({
          error: (error: unknown) => {
            partial.push({ flowId: flow.id, flowName: flow.name, error: toError(error) });
            resolve();
          },
          complete: resolve,
        });
    }).then(async () => {
      // An observable flow's subflows run once its source is done.
      if (!stepped) for (const child of children.splice(0)) running.push(runFlow(child));
      await Promise.all(running);
    });
  };

  const roots: Flow<unknown>[] = [];
  handle(target, undefined, roots);
  for (const root of roots) await runFlow(root);
  const operations: Record<string, number> = {};
  for (const [name, n] of perOperation) operations[name] = n;
  return { operations, total: seen.size, flows: flowsRun.size, partial };
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new MazepaError(`A flow threw a non-Error value: ${String(value)}`);
}

function describeYield(value: unknown): string {
  return `${describeValue(value)}, which is not a Task, Flow or Dependency${misuseHint(value, 'yield')}`;
}
