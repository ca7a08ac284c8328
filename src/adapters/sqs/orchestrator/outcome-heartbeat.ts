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

/** @internal A running heartbeat; `stop` ends it and aborts the TagQueue in flight, if any. */
export interface OutcomeHeartbeat {
  stop(): void;
}

/**
 * @internal Tags the outcome queue at once and then every `intervalMs` with the time. A beat
 * that fails is skipped (the next one tries again); one due while another is in flight waits for it.
 * Without `sqs:TagQueue` the queue stays untagged, which `mazepa queues` never deletes.
 */
export function startOutcomeHeartbeat(options: OutcomeHeartbeatOptions): OutcomeHeartbeat {
  const { client, url, taskQueueName, executionId } = options;
  const scheduler = options.scheduler ?? asyncScheduler;
  const abort = new AbortController();
  let sending = false;
  let waiting: number | undefined;
  const send = (at: number): void => {
    if (abort.signal.aborted) return;
    if (sending) {
      waiting = at; // sent once the beat in flight is done: beats never overlap nor pile up
      return;
    }
    sending = true;
    void beat(at).finally(() => {
      sending = false;
      const next = waiting;
      waiting = undefined;
      if (next !== undefined) send(next);
    });
  };
  const beat = async (at: number): Promise<void> => {
    try {
      const Tags = {
        [OUTCOME_TAGS.taskQueue]: taskQueueName,
        [OUTCOME_TAGS.executionId]: executionId,
        [OUTCOME_TAGS.heartbeat]: String(at),
      };
      await client.send(new TagQueueCommand({ QueueUrl: await url, Tags }), { abortSignal: abort.signal });
    } catch {
      // the next beat tries again; beats failing for longer than `mazepa queues --older-than-ms`
      // make the run look gone (the outage budget ends a run long before the default 10 minutes)
    }
  };
  const period = options.intervalMs ?? OUTCOME_HEARTBEAT_MS;
  const subscription = timer(0, period, scheduler).subscribe(() => send(scheduler.now()));
  return {
    stop() {
      subscription.unsubscribe();
      abort.abort();
    },
  };
}
