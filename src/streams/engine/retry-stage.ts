import { Observable, timer, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import { errorFromSerialized } from '../../flows/serialized-error.js';
import type { TaskOutcome } from '../../flows/task.js';
import type { ExecutionEvent } from '../execution-event.js';
import type { OutcomeReport } from '../execution-queue.js';
import type { Completion, ExecutionGraph } from './graph/execution-graph.js';
import type { TaskNode } from './graph/nodes.js';
import { decideRetry, type TransientCondition } from './retry-policy.js';
import type { Stats } from './stats.js';

export type { Completion };

/** What the retry stage needs from the execution around it. @internal */
export interface RetryStageConfig {
  readonly executionId: string;
  readonly isTransient: TransientCondition | undefined;
  readonly scheduler: SchedulerLike;
  readonly stats: Stats;
  readonly emit: (event: ExecutionEvent) => void;
  /** False when nobody reads `task_succeeded` events: they are not made. */
  readonly taskEvents: boolean;
  /** The graph: the node of a task id that is not done, and the retry transitions. */
  readonly graph: Pick<ExecutionGraph, 'task' | 'taskRetrying' | 'taskRetried'>;
  /** Where a task whose retry delay is over goes (back to the batch stage; its attempt counted up). */
  readonly requeue: { next(node: TaskNode): void };
}

/**
 * The queue's outcome stream in, the completion stream out: an outcome for a task that is not in
 * flight (done, retrying) or of an older attempt is dropped; a failure that may go away waits its
 * backoff on the scheduler and goes back to the sink; everything else is a {@link Completion}.
 * Unsubscribing stops the retry timers. Synchronous: a completion is emitted in the call that
 * delivered its outcome.
 *
 * @internal
 */
export function retryStage(config: RetryStageConfig): OperatorFunction<OutcomeReport, Completion> {
  const { executionId, stats, emit, taskEvents, graph, requeue } = config;
  return (outcomes) =>
    new Observable<Completion>((subscriber) => {
      const retry = (node: TaskNode, outcome: TaskOutcome, delayMs: number): void => {
        const { task } = node;
        graph.taskRetrying(node);
        stats.retried(task.operationName, outcome.executionSecs);
        emit({
          type: 'task_retried',
          executionId,
          taskId: node.id,
          operationName: task.operationName,
          error: outcome.error!,
          attempt: task.attempt,
          delayMs,
        });
        let wait: Subscription | undefined = undefined;
        wait = timer(delayMs, config.scheduler).subscribe(() => {
          if (wait !== undefined) subscriber.remove(wait);
          graph.taskRetried(node);
          requeue.next(node);
        });
        subscriber.add(wait);
      };
      return outcomes.subscribe({
        next(report) {
          const node = graph.task(report.taskId);
          if (node === undefined || node.state === 'retrying') return;
          const { task } = node;
          const { outcome } = report;
          const operationName = task.operationName;
          if (outcome.error === undefined) {
            stats.succeeded(operationName, outcome.executionSecs);
            if (taskEvents) emit({ type: 'task_succeeded', executionId, taskId: node.id, operationName, outcome });
            subscriber.next({ node, outcome, error: undefined });
            return;
          }
          if (report.attempt !== undefined && report.attempt < task.attempt) return;
          const decision = decideRetry(node.id, task.maxRetry, task.attempt, outcome.error, config.isTransient);
          if (decision.retry) return retry(node, outcome, decision.delayMs);
          stats.failed(operationName, outcome.error.name, outcome.executionSecs);
          emit({
            type: 'task_failed',
            executionId,
            taskId: node.id,
            operationName,
            error: outcome.error,
            attempt: task.attempt,
          });
          subscriber.next({ node, outcome, error: errorFromSerialized(outcome.error) });
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}
