import type { Startable } from '../flows/flow.js';
import { Dependency } from '../flows/dependency.js';
import { describeValue, misuseHint } from '../flows/describe-value.js';
import { Flow } from '../flows/flow.js';
import { Task } from '../flows/task.js';

/** What `execute` and `execution` run: a task, a flow, or an array of them. */
export type ExecutionTarget = Startable | readonly Startable[];

/**
 * @internal The flow a run starts from: `target` itself when it is a flow, else a flow that
 * yields it (a task, or an array of tasks and flows) and returns its value(s). Throws a
 * `TypeError` for anything else.
 */
export function rootFlow(target: ExecutionTarget): Flow<unknown> {
  if (target instanceof Flow) return target as Flow<unknown>;
  if (target instanceof Task) {
    return new Flow({
      name: target.operationName,
      fn: function* () {
        yield target;
        yield new Dependency();
        return valueOf(target);
      },
    });
  }
  if (Array.isArray(target)) {
    const items: readonly unknown[] = target;
    items.forEach((item, i) => {
      if (!(item instanceof Task) && !(item instanceof Flow)) {
        throw new TypeError(
          `execute: item ${i} of the target array must be a Task or a Flow, received ${describeValue(item)}` +
            misuseHint(item, 'target'),
        );
      }
    });
    return new Flow({
      name: 'execute',
      fn: function* () {
        yield target;
        yield new Dependency();
        return target.map(valueOf);
      },
    });
  }
  throw new TypeError(
    `execute: target must be a Task, a Flow or an array of them, received ${describeValue(target)}` +
      misuseHint(target, 'target'),
  );
}

/** A done task's or flow's value; `undefined` if it failed (with `raiseOnFailedTask: false`). */
function valueOf(item: Startable): unknown {
  const outcome = item.outcome as { readonly returnValue?: unknown } | undefined;
  return outcome?.returnValue;
}
