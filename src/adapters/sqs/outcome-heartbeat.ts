import { TagQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { asyncScheduler, timer, type SchedulerLike } from 'rxjs';

/**
 * @internal The tags an orchestrator keeps on its outcome queue: the task queue it belongs to,
 * the execution, and the time of its last heartbeat (milliseconds since the epoch). `mazepa
 * queues` tells the queues of live runs from those of dead ones by the heartbeat, and never
 * touches a queue tagged with another task queue.
 */
export const OUTCOME_TAGS = {
  taskQueue: 'mazepa:task-queue',
  executionId: 'mazepa:execution-id',
  heartbeat: 'mazepa:heartbeat',
} as const;

/** @internal How often a running orchestrator refreshes its outcome queue's heartbeat tag. */
export const OUTCOME_HEARTBEAT_MS = 60_000;

/** @internal What {@link startOutcomeHeartbeat} needs. */
export interface OutcomeHeartbeatOptions {
  readonly client: SQSClient;
  /** The outcome queue's URL, once it exists. */
  readonly url: Promise<string>;
  readonly taskQueueName: string;
  readonly executionId: string;
  /** @default OUTCOME_HEARTBEAT_MS */
  readonly intervalMs?: number;
  /** Times the beats and gives the time written. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

/** @internal A running heartbeat; `stop` resolves once the TagQueue in flight, if any, is done. */
export interface OutcomeHeartbeat {
  stop(): Promise<void>;
}

/**
 * @internal Tags the outcome queue at once and then every `intervalMs` with the time. A beat
 * that fails is skipped (the next one tries again); a beat is never sent while one is in flight.
 * Without `sqs:TagQueue` the queue stays untagged, which `mazepa queues` never deletes.
 */
export function startOutcomeHeartbeat(options: OutcomeHeartbeatOptions): OutcomeHeartbeat {
  const { client, url, taskQueueName, executionId } = options;
  const scheduler = options.scheduler ?? asyncScheduler;
  let inFlight: Promise<void> | undefined;
  const beat = async (at: number): Promise<void> => {
    try {
      const Tags = {
        [OUTCOME_TAGS.taskQueue]: taskQueueName,
        [OUTCOME_TAGS.executionId]: executionId,
        [OUTCOME_TAGS.heartbeat]: String(at),
      };
      await client.send(new TagQueueCommand({ QueueUrl: await url, Tags }));
    } catch {
      // the next beat tries again; a queue left stale long enough only shows as an orphan
    }
  };
  const subscription = timer(0, options.intervalMs ?? OUTCOME_HEARTBEAT_MS, scheduler).subscribe(() => {
    if (inFlight !== undefined) return;
    inFlight = beat(scheduler.now()).finally(() => (inFlight = undefined));
  });
  return {
    async stop() {
      subscription.unsubscribe();
      await inFlight;
    },
  };
}
