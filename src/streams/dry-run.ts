import { Dependency } from '../flows/dependency.js';
import { MazepaError } from '../flows/errors.js';
import { Flow, type Startable } from '../flows/flow.js';
import { Task, type TaskOutcome } from '../flows/task.js';

/** What {@link dryRun} counts. */
export interface DryRunResult {
  /** Distinct tasks (by id) per operation name. */
  readonly operations: Readonly<Record<string, number>>;
  /** Distinct tasks in all. */
  readonly total: number;
  /** Flows run, the root ones included. */
  readonly flows: number;
}

/** What a task seems to return in a dry run. */
const DRY_OUTCOME: TaskOutcome = Object.freeze({ returnValue: undefined, executionSecs: 0 });

/**
 * Counts the distinct tasks per operation that `target` would make, without running a task:
 * the flow generators run, every dependency is satisfied at once, and every task seems to
 * return `undefined` (`yield* task.result()` gives `undefined`). Flows whose control flow
 * depends on task results are therefore estimated, not counted exactly; a flow that loops until
 * a task returns something may never end. The tasks the flows yield get an `undefined` outcome;
 * a later real run overwrites it as each task completes.
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
      throw new MazepaError(
        `Dry run: flow '${owner.name}' yielded ${String(value)}, which is not a Task, Flow or Dependency`,
        {
          flowId: owner.id,
        },
      );
    } else {
      throw new TypeError(`dryRun: target must be a Task, a Flow or an array of them, received ${String(value)}`);
    }
  };

  const runFlow = async (flow: Flow<unknown>): Promise<void> => {
    if (flowsRun.has(flow.id)) return;
    flowsRun.add(flow.id);
    const children: Flow<unknown>[] = [];
    const fail = (error: unknown): never => {
      throw new MazepaError(
        `Dry run: flow '${flow.name}' (${flow.id}) threw: ${(error as Error)?.message ?? String(error)}`,
        {
          flowId: flow.id,
          cause: error,
        },
      );
    };
    if (flow.source !== undefined) {
      await new Promise<void>((resolve, reject) => {
        flow.source!.subscribe({ next: (v) => handle(v, flow, children), error: reject, complete: resolve });
      }).catch(fail);
      for (const child of children.splice(0)) await runFlow(child);
      flow.outcome = { returnValue: undefined };
      return;
    }
    let generator: ReturnType<NonNullable<Flow<unknown>['fn']>>;
    try {
      generator = flow.fn!(...flow.args);
    } catch (error) {
      return fail(error);
    }
    for (;;) {
      let step: IteratorResult<unknown, unknown>;
      try {
        step = generator.next(undefined);
      } catch (error) {
        return fail(error);
      }
      if (step.done) {
        flow.outcome = { returnValue: step.value };
        return;
      }
      handle(step.value, flow, children);
      // Subflows run to their end before the flow goes on, so it finds their results ready.
      for (const child of children.splice(0)) await runFlow(child);
    }
  };

  const roots: Flow<unknown>[] = [];
  handle(target, undefined, roots);
  for (const root of roots) await runFlow(root);
  const operations: Record<string, number> = {};
  for (const [name, n] of perOperation) operations[name] = n;
  return { operations, total: seen.size, flows: flowsRun.size };
}
