import { Observable, type OperatorFunction } from 'rxjs';
import type { Task } from '../../flows/task.js';
import type { ExecutionEvent } from '../execution-event.js';
import type { ExecutionGraph } from './graph/execution-graph.js';
import type { TaskNode } from './graph/nodes.js';
import type { Stats } from './stats.js';

/**
 * The batching policy of an execution, all of it: how many tasks a push holds, when the buffer
 * goes out, and when flows may yield more. Changing how tasks are batched changes this file only.
 *
 * - A batch holds at most `maxBatchLen` tasks, in emission order.
 * - The buffer goes out once it holds a batch's worth, and whatever it holds when the flows
 *   cannot go on (the flow driver's `idle`).
 * - Backpressure ({@link BatchingPolicy.room}): flows may yield while fewer than `maxInFlight`
 *   tasks are in flight (started and not done, buffered ones included); once it is reached, not
 *   until a refill's worth (a batch, at most half of `maxInFlight`) has drained, so that pushes
 *   stay batched.
 *
 * @internal
 */
export interface BatchingPolicy {
  readonly maxBatchLen: number;
  /** Whether flows may yield more now. */
  room(): boolean;
}

/** What the policy counts. @internal */
export interface BatchingPolicyConfig {
  readonly maxBatchLen: number;
  readonly maxInFlight: number;
  /** Tasks in flight (the graph's count). */
  readonly inFlight: () => number;
}

/** Makes the batching policy of one execution. @internal */
export function createBatchingPolicy(config: BatchingPolicyConfig): BatchingPolicy {
  const { maxBatchLen, maxInFlight, inFlight } = config;
  const refill = Math.max(1, Math.min(maxBatchLen, Math.floor(maxInFlight / 2)));
  let throttled = false;
  return {
    maxBatchLen,
    room() {
      const n = inFlight();
      if (n === 0) return true;
      if (throttled) {
        if (n > maxInFlight - refill) return false;
        throttled = false;
      }
      if (n >= maxInFlight) {
        throttled = true;
        return false;
      }
      return true;
    },
  };
}

/** Tasks for the batch stage: a new one, or the new tasks of one yielded array. @internal */
export type TaskEmission = TaskNode | readonly TaskNode[];

/** What the batch stage needs from the execution around it. @internal */
export interface BatchTasksConfig {
  readonly executionId: string;
  readonly policy: Pick<BatchingPolicy, 'maxBatchLen'>;
  /** When the buffer goes out whatever it holds (the flow driver's `idle`). */
  readonly flushes: Observable<void>;
  /** Tasks that go back to the queue: retries after their delay, adopted tasks whose outcome was lost. */
  readonly requeued?: Observable<TaskNode>;
  /** The graph records each task as submitted. */
  readonly graph: Pick<ExecutionGraph, 'taskSubmitted'>;
  readonly stats: Stats;
  readonly emit: (event: ExecutionEvent) => void;
  /** False when nobody reads `task_submitted` events: they are not made. */
  readonly taskEvents: boolean;
  /**
   * The earlier run of a re-attached queue pushed this task: it counts as submitted at once and
   * is awaited, not pushed.
   */
  readonly pushedBefore?: ((taskId: string) => boolean) | undefined;
}

/**
 * The batch stage, an operator: task emissions in (and the tasks of `requeued`), `pushTasks`
 * batches out, after the {@link BatchingPolicy}. Each task of a batch is submitted (the graph records it, a
 * `task_submitted` event tells it) as the batch goes out. When the emissions end, what is
 * buffered goes out; unsubscribing drops it.
 *
 * @internal
 */
export function batchTasks(config: BatchTasksConfig): OperatorFunction<TaskEmission, Task[]> {
  const { executionId, graph, stats, emit, taskEvents, pushedBefore } = config;
  const { maxBatchLen } = config.policy;
  const submitted = (node: TaskNode): Task => {
    const task = node.task;
    graph.taskSubmitted(node);
    stats.submitted(task.operationName);
    if (taskEvents) {
      emit({
        type: 'task_submitted',
        executionId,
        taskId: task.id,
        operationName: task.operationName,
        attempt: task.attempt,
      });
    }
    return task;
  };
  return (emissions) =>
    new Observable<Task[]>((subscriber) => {
      // The buffer is kept and reused (no growth copies per batch): `buffer[head, size)` wait.
      let buffer: (TaskNode | undefined)[] = [];
      let head = 0;
      let size = 0;
      const add = (node: TaskNode): void => {
        if (pushedBefore?.(node.id) === true) submitted(node);
        else buffer[size++] = node;
      };
      const flush = (): void => {
        while (head < size && !subscriber.closed) {
          // Taken before the push: a push may add tasks, or flush, before it returns.
          const from = head;
          const n = Math.min(maxBatchLen, size - from);
          head += n;
          const tasks: Task[] = new Array<Task>(n);
          for (let i = 0; i < n; i++) {
            tasks[i] = submitted(buffer[from + i]!);
            buffer[from + i] = undefined;
          }
          subscriber.next(tasks);
        }
        if (head === size) head = size = 0;
      };
      subscriber.add(config.flushes.subscribe(flush));
      if (config.requeued !== undefined)
        subscriber.add(config.requeued.subscribe((node) => void (buffer[size++] = node)));
      subscriber.add(
        emissions.subscribe({
          next(emission) {
            if (Array.isArray(emission)) for (const node of emission as readonly TaskNode[]) add(node);
            else add(emission as TaskNode);
            if (size - head >= maxBatchLen) flush();
          },
          error: (error: unknown) => subscriber.error(error),
          complete: () => {
            flush();
            subscriber.complete();
          },
        }),
      );
      subscriber.add(() => {
        buffer = [];
        head = size = 0;
      });
    });
}
