import { Observable, Subject, type OperatorFunction } from 'rxjs';
import type { Task } from '../../flows/task.js';
import type { ExecutionEvent } from '../execution-event.js';
import type { TaskNode } from './nodes.js';
import type { Stats } from './stats.js';

/** What the sink needs from the execution around it. @internal */
export interface BatchingSinkConfig {
  readonly executionId: string;
  readonly maxBatchLen: number;
  readonly maxInFlight: number;
  readonly stats: Stats;
  readonly emit: (event: ExecutionEvent) => void;
  /** False when nobody reads `task_submitted` events: they are not made. */
  readonly taskEvents: boolean;
}

/**
 * The sink end of the pipeline: task emissions in, `pushTasks` batches out. @internal
 */
export interface BatchingSink {
  /** The batches for the queue, each at most `maxBatchLen` tasks, in emission order. */
  readonly batches: Observable<Task[]>;
  /** Tasks pushed and not done (retrying ones count). */
  readonly inFlight: number;
  /** Tasks buffered, not pushed yet. */
  readonly buffered: number;
  /** Whether a batch's worth (`maxBatchLen`) is buffered. */
  readonly full: boolean;
  /**
   * A task emission: a new task counts in flight from now; a retried (or requeued) one already
   * does. `pushedBefore`: an earlier run pushed it (the queue re-attached), so it counts as
   * submitted at once and is awaited, not pushed.
   */
  add(node: TaskNode, isNew: boolean, pushedBefore?: boolean): void;
  /** A task in flight is done. */
  settled(): void;
  /**
   * Backpressure: whether flows may emit more. Once `maxInFlight` is reached, false until a
   * refill's worth (a batch, at most half of `maxInFlight`) has drained, so pushes stay batched.
   */
  hasRoom(): boolean;
  /** Emits the buffered tasks as batches. */
  flush(): void;
  /** Ends the batch stream. */
  close(): void;
}

/** Makes the sink of one execution. @internal */
export function createBatchingSink(config: BatchingSinkConfig): BatchingSink {
  const { executionId, maxBatchLen, maxInFlight, stats, emit, taskEvents } = config;
  const refill = Math.max(1, Math.min(maxBatchLen, Math.floor(maxInFlight / 2)));
  const batches = new Subject<Task[]>();
  let buffer: TaskNode[] = [];
  let inFlight = 0;
  let throttled = false;
  let closed = false;
  const submitted = (node: TaskNode): Task => {
    const task = node.task;
    node.state = 'submitted';
    task.status = 'submitted';
    task.executionId = executionId;
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
  return {
    batches: batches.asObservable(),
    get inFlight() {
      return inFlight;
    },
    get buffered() {
      return buffer.length;
    },
    get full() {
      return buffer.length >= maxBatchLen;
    },
    add(node, isNew, pushedBefore = false) {
      if (isNew) inFlight++;
      if (pushedBefore) submitted(node);
      else buffer.push(node);
    },
    settled() {
      inFlight--;
    },
    hasRoom() {
      if (inFlight === 0) return true;
      if (throttled) {
        if (inFlight > maxInFlight - refill) return false;
        throttled = false;
      }
      if (inFlight >= maxInFlight) {
        throttled = true;
        return false;
      }
      return true;
    },
    flush() {
      while (buffer.length > 0 && !closed) {
        const batch = buffer.length <= maxBatchLen ? buffer : buffer.slice(0, maxBatchLen);
        buffer = batch === buffer ? [] : buffer.slice(maxBatchLen);
        const tasks: Task[] = new Array<Task>(batch.length);
        for (let i = 0; i < batch.length; i++) tasks[i] = submitted(batch[i]!);
        batches.next(tasks);
      }
    },
    close() {
      closed = true;
      buffer = [];
      batches.complete();
    },
  };
}

/** New tasks for the sink: one task, or the new tasks of one yielded array. @internal */
export type TaskEmission = TaskNode | readonly TaskNode[];

/**
 * The sink as an operator: new task emissions in, `pushTasks` batches out. Once an emission
 * fills a batch, the buffer goes out at once (in batches of at most `maxBatchLen`); the rest waits
 * for the sink's `flush` (the ready queue is idle). `pushedBefore(taskId)`: the earlier run of a
 * re-attached queue pushed that task, so it counts as submitted without a push.
 *
 * @internal
 */
export function batchTasks(
  sink: BatchingSink,
  pushedBefore?: (taskId: string) => boolean,
): OperatorFunction<TaskEmission, Task[]> {
  const add = (node: TaskNode): void => sink.add(node, true, pushedBefore?.(node.id) === true);
  return (emissions) =>
    new Observable<Task[]>((subscriber) => {
      const subscription = sink.batches.subscribe(subscriber);
      subscription.add(
        emissions.subscribe({
          next(emission) {
            if (Array.isArray(emission)) for (const node of emission as readonly TaskNode[]) add(node);
            else add(emission as TaskNode);
            if (sink.full) sink.flush();
          },
          error: (error: unknown) => subscriber.error(error),
        }),
      );
      return subscription;
    });
}
