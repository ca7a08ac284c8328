import { lastValueFrom, type Observable } from 'rxjs';
import { LocalExecutionQueue } from './adapters/local/local-execution-queue.js';
import { Dependency } from './flows/dependency.js';
import { Flow, type Startable } from './flows/flow.js';
import { concurrentFlow } from './flows/stages.js';
import { Task } from './flows/task.js';
import type { ExecutionEvent, ExecutionSummary } from './streams/execution-event.js';
import { resolveOptions, type ExecuteOptions } from './streams/execute-options.js';
import { renderProgress } from './streams/render-progress.js';
import { runExecution } from './streams/run-execution.js';

/** What `execute` and `execution` run: a task, a flow, or an array of them. */
export type ExecutionTarget = Startable | readonly Startable[];

/**
 * A run of `target` as a cold Observable of {@link ExecutionEvent}s: subscribing starts it,
 * unsubscribing cancels it. It completes after `execution_completed`, and errors with
 * `MazepaExecutionFailure` when a task fails and no flow catches it. Options are checked at once.
 *
 * @example
 * ```ts
 * import { execution, progress } from 'mazepa';
 * execution(flow).pipe(progress()).subscribe((p) => console.log(p.total.succeeded));
 * ```
 */
export function execution(target: ExecutionTarget, options: ExecuteOptions = {}): Observable<ExecutionEvent> {
  const resolved = resolveOptions(options, 'execution');
  const root = rootFlow(target);
  // The local queue's run loop turns on setImmediate unless the caller brings a scheduler: the
  // default asyncScheduler would cost a timer tick (1 ms or more) at every turn.
  const queue =
    resolved.queue ??
    new LocalExecutionQueue(options.scheduler === undefined ? {} : { scheduler: options.scheduler });
  const events = runExecution(root, resolved, queue);
  return resolved.showProgress ? renderProgress(events, process.stderr, resolved.scheduler) : events;
}

/**
 * Runs `target` to the end and resolves to its summary. With no `queue`, tasks run in this
 * process, in the order they are yielded. Rejects with `MazepaExecutionFailure` (its `cause` is
 * the task's error) when a task fails and no flow catches it, and with a `TypeError` naming the
 * option for invalid options.
 *
 * @example
 * ```ts
 * import { execute, flowSchema, taskableOperation } from 'mazepa';
 * const greet = taskableOperation(function greet(name: string) { console.log(`Hello ${name}!`); });
 * const greetMany = flowSchema(function* greetMany(names: string[]) {
 *   yield names.map((n) => greet.makeTask(n));
 * });
 * const summary = await execute(greetMany(['Albert', 'Isaac']));
 * console.log(summary.succeeded); // 2
 * ```
 */
export async function execute(target: ExecutionTarget, options: ExecuteOptions = {}): Promise<ExecutionSummary> {
  const events = execution(target, options);
  const last = await lastValueFrom(events);
  if (last.type !== 'execution_completed') throw new Error(`mazepa: execution ended on ${last.type}`);
  return last.summary;
}

function rootFlow(target: ExecutionTarget): Flow<unknown> {
  if (target instanceof Flow) return target as Flow<unknown>;
  if (target instanceof Task) {
    return new Flow({
      name: target.operationName,
      fn: function* () {
        yield target;
        yield new Dependency();
      },
    });
  }
  if (Array.isArray(target)) return concurrentFlow(target, 'execute') as Flow<unknown>;
  throw new TypeError(
    `execute: target must be a Task, a Flow or an array of them, received ${
      target === null ? 'null' : typeof target === 'object' ? (target as object).constructor?.name : typeof target
    }`,
  );
}
