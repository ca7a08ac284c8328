import type { Observable } from 'rxjs';

/**
 * What a checkpoint holds of the run that wrote it, handed to a queue that can re-attach to that
 * run (`ExecutionQueue.attach`).
 *
 * @example
 * ```ts
 * import type { PreviousRun } from 'mazepa';
 * const firstRun: PreviousRun = { executionId: undefined, record: undefined, pushed: new Set() };
 * ```
 */
export interface PreviousRun {
  /** The execution id of the run that wrote the checkpoint (none: a new checkpoint). */
  readonly executionId: string | undefined;
  /** What the queue asked that run to record (`QueueAttachment.record`), if anything. */
  readonly record: Readonly<Record<string, unknown>> | undefined;
  /** Tasks that run pushed and whose outcome the checkpoint does not hold. */
  readonly pushed: ReadonlySet<string>;
}

/**
 * A queue's answer to `ExecutionQueue.attach`: which execution this run is, what the checkpoint
 * records for a later rerun, and, when it re-attached, which of the earlier run's tasks to push
 * again.
 *
 * @example
 * ```ts
 * import { EMPTY } from 'rxjs';
 * import type { QueueAttachment } from 'mazepa';
 * const fresh: QueueAttachment = { executionId: 'exec-1', reattached: false, record: {}, lost: EMPTY };
 * ```
 */
export interface QueueAttachment {
  /** The execution id of this run: the earlier run's when it re-attached. */
  readonly executionId: string;
  /**
   * True when this run goes on with the earlier one: the tasks of `PreviousRun.pushed` are not
   * pushed again but awaited, and their outcomes come from the same outcome stream.
   */
  readonly reattached: boolean;
  /** JSON-able state the checkpoint records; a rerun hands it back as `PreviousRun.record`. */
  readonly record: Readonly<Record<string, unknown>>;
  /**
   * Ids of the earlier run's pushed tasks whose outcome cannot come any more (lost, dead-lettered,
   * or waited on past the queue's bound): the engine pushes them again. Subscribed to after
   * `outcomes(executionId)`.
   */
  readonly lost: Observable<string>;
}
