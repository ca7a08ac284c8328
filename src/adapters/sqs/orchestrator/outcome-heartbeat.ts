import { TagQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { asyncScheduler, timer, type SchedulerLike } from 'rxjs';
import { withServerTime } from '../calls/server-time.js';

/**
 * @internal The tags an orchestrator keeps on its outcome queue: the task queue it belongs to,
 * the execution, and the time of its last heartbeat (milliseconds since the epoch, by the clock
 * of SQS). `mazepa queues` tells the queues of live runs from those of dead ones by the
 * heartbeat, and never touches a queue tagged with another task queue.
 */
export const OUTCOME_TAGS = {
  taskQueue: 'mazepa:task-queue',
  executionId: 'mazepa:execution-id',
  heartbeat: 'mazepa:heartbeat',
} as const;

/** @internal How often a running orchestrator refreshes its outcome queue's heartbeat tag. */
export const OUTCOME_HEARTBEAT_MS = 60_000;

/**
 * @internal How far a heartbeat written may be from the time SQS gave in its answer before it
 * is written again at once with SQS's time. SQS's `Date` header counts whole seconds, and the
 * answer takes a while to come: a few seconds is noise, far below `mazepa queues`' smallest
 * `--older-than-ms` (120 s).
 */
export const HEARTBEAT_SKEW_MS = 5_000;

/** @internal What {@link startOutcomeHeartbeat} needs. */
export interface OutcomeHeartbeatOptions {
  readonly client: SQSClient;
  /** The outcome queue's URL, once it exists. */
  readonly url: Promise<string>;
  readonly taskQueueName: string;
  readonly executionId: string;
  /** @default OUTCOME_HEARTBEAT_MS */
  readonly intervalMs?: number;
  /** Times the beats. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
  /**
   * This host's clock, which the time SQS gives is measured against: a beat writes it plus the
   * offset to SQS's clock learned from the last answer. @default Date.now
   */
  readonly now?: () => number;
}

/** @internal A running heartbeat; `stop` ends it and aborts the TagQueue in flight, if any. */
export interface OutcomeHeartbeat {
  stop(): void;
}

/**
 * @internal Tags the outcome queue at once and then every `intervalMs` with the time, by SQS's
 * clock: `mazepa queues` judges the heartbeat's age by the time SQS gives too, so neither this
 * host's clock nor the admin's need be right. The time is this host's plus the offset to SQS's
 * clock read from the `Date` header of the last TagQueue answer; a beat that turns out more than
 * {@link HEARTBEAT_SKEW_MS} off (the first one, on a skewed host, or after the clock jumped) is
 * written again at once. An answer without a `Date` header leaves the offset as it was (none at
 * first: this host's clock). A beat that fails is skipped (the next one tries again); one due
 * while another is in flight waits for it. Without `sqs:TagQueue` the queue stays untagged,
 * which `mazepa queues` never deletes.
 */
export function startOutcomeHeartbeat(options: OutcomeHeartbeatOptions): OutcomeHeartbeat {
  const { client, url, taskQueueName, executionId } = options;
  const scheduler = options.scheduler ?? asyncScheduler;
  const now = options.now ?? Date.now;
  const abort = new AbortController();
  /** SQS's clock minus this host's, from the last answer that said. */
  let offset = 0;
  let sending = false;
  let waiting = false;
  const send = (): void => {
    if (abort.signal.aborted) return;
    if (sending) {
      waiting = true; // sent once the beat in flight is done: beats never overlap nor pile up
      return;
    }
    sending = true;
    void beat().finally(() => {
      sending = false;
      const next = waiting;
      waiting = false;
      if (next) send();
    });
  };
  /** Tags the queue with SQS's time as last known; true when that turned out off. */
  const tag = async (): Promise<boolean> => {
    const sentAt = now();
    const at = sentAt + offset;
    const Tags = {
      [OUTCOME_TAGS.taskQueue]: taskQueueName,
      [OUTCOME_TAGS.executionId]: executionId,
      [OUTCOME_TAGS.heartbeat]: String(at),
    };
    const timed = withServerTime(new TagQueueCommand({ QueueUrl: await url, Tags }));
    await client.send(timed.command, { abortSignal: abort.signal });
    const server = timed.serverTime();
    if (server === undefined) return false;
    const answeredAt = now();
    // The header counts whole seconds: SQS's time at the answer is half a second past it, on average.
    offset = server + 500 - answeredAt;
    return Math.abs(at - (sentAt + offset)) > HEARTBEAT_SKEW_MS;
  };
  const beat = async (): Promise<void> => {
    try {
      if (await tag()) await tag(); // off by more than noise: written again with SQS's time
    } catch {
      // the next beat tries again; beats failing for longer than `mazepa queues --older-than-ms`
      // make the run look gone (the outage budget ends a run long before the default 10 minutes)
    }
  };
  const period = options.intervalMs ?? OUTCOME_HEARTBEAT_MS;
  const subscription = timer(0, period, scheduler).subscribe(() => send());
  return {
    stop() {
      subscription.unsubscribe();
      abort.abort();
    },
  };
}
