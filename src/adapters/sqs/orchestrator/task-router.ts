import { merge, Observable } from 'rxjs';
import { MazepaError } from '../../../flows/errors.js';
import type { Task } from '../../../flows/task.js';
import type { ExecutionQueue, OutcomeReport } from '../../../streams/execution-queue.js';

/**
 * Options of {@link TaskRouter}.
 *
 * @example
 * ```ts
 * import { SqsExecutionQueue, TaskRouter, type TaskRouterOptions } from 'mazepa/sqs';
 * const options: TaskRouterOptions = { routes: { gpu: new SqsExecutionQueue({ queueName: 'tasks-gpu' }) } };
 * const queue = new TaskRouter(options);
 * ```
 */
export interface TaskRouterOptions {
  /** The queue of each worker type (a task's `workerType`). */
  readonly routes: Readonly<Record<string, ExecutionQueue>>;
  /** The queue of tasks without a worker type, or with one not in `routes`. @default none: such tasks are refused */
  readonly fallback?: ExecutionQueue;
}

/**
 * An `ExecutionQueue` that sends each task to the queue of its `workerType`, so that separate
 * worker pools (GPU and CPU machines, say) serve separate queues; outcomes of all of them come
 * back as one stream.
 *
 * @example
 * ```ts
 * import { execute } from 'mazepa';
 * import { SqsExecutionQueue, TaskRouter } from 'mazepa/sqs';
 * const queue = new TaskRouter({
 *   routes: { gpu: new SqsExecutionQueue({ queueName: 'tasks-gpu' }) },
 *   fallback: new SqsExecutionQueue({ queueName: 'tasks-cpu' }),
 * });
 * await execute(flow, { queue });
 * ```
 */
export class TaskRouter implements ExecutionQueue {
  readonly name: string;
  readonly #routes: ReadonlyMap<string, ExecutionQueue>;
  readonly #fallback: ExecutionQueue | undefined;

  constructor(options: TaskRouterOptions) {
    const routes = options?.routes as unknown;
    if (typeof routes !== 'object' || routes === null) {
      throw new TypeError(
        `TaskRouter: option 'routes' must be an object of queues by worker type, received ${String(routes)}`,
      );
    }
    for (const [type, queue] of Object.entries(routes)) checkQueue(`routes.${type}`, queue);
    if (options.fallback !== undefined) checkQueue('fallback', options.fallback);
    this.#routes = new Map(Object.entries(options.routes));
    this.#fallback = options.fallback;
    this.name = `router(${[...this.#queues()].map((q) => q.name).join(', ')})`;
  }

  async pushTasks(tasks: readonly Task[]): Promise<void> {
    const groups = new Map<ExecutionQueue, Task[]>();
    for (const task of tasks) {
      const queue = this.#route(task);
      let group = groups.get(queue);
      if (group === undefined) groups.set(queue, (group = []));
      group.push(task);
    }
    await Promise.all([...groups].map(([queue, group]) => queue.pushTasks(group)));
  }

  outcomes(executionId: string): Observable<OutcomeReport> {
    return merge(...[...this.#queues()].map((queue) => queue.outcomes(executionId)));
  }

  /** Closes every queue routed to. */
  async close(): Promise<void> {
    await Promise.all([...this.#queues()].map((queue) => queue.close?.()));
  }

  #route(task: Task): ExecutionQueue {
    const queue = (task.workerType === undefined ? undefined : this.#routes.get(task.workerType)) ?? this.#fallback;
    if (queue === undefined) {
      throw new MazepaError(
        `TaskRouter: task ${task.id} has worker type ${JSON.stringify(task.workerType) ?? 'undefined'}, ` +
          `which has no route (routes: ${[...this.#routes.keys()].join(', ') || 'none'}) and there is no fallback`,
        { taskId: task.id },
      );
    }
    return queue;
  }

  #queues(): Set<ExecutionQueue> {
    const queues = new Set(this.#routes.values());
    if (this.#fallback !== undefined) queues.add(this.#fallback);
    return queues;
  }
}

function checkQueue(option: string, queue: unknown): void {
  const q = queue as Partial<ExecutionQueue> | null;
  if (typeof q !== 'object' || q === null || typeof q.pushTasks !== 'function' || typeof q.outcomes !== 'function') {
    throw new TypeError(`TaskRouter: option '${option}' must be an ExecutionQueue, received ${String(queue)}`);
  }
}
