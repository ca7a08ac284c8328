import { SQS_BATCH_LIMIT } from '../calls/batch-limit.js';
import type { SqsConnection } from '../calls/sqs-connection.js';
import { BuildRefusals } from './build-refusals.js';
import { FactsReporter } from './facts-reporter.js';
import { OutcomeQueues } from './outcome-queues.js';
import { maxReceiveCountOf } from './receive-limit.js';
import { ReplyGate } from './reply-gate.js';
import { TaskDispatch } from './task-dispatch.js';
import { TaskMessages } from './task-messages.js';
import { TaskReceiver } from './task-receiver.js';
import { VisibilityHeartbeat } from './visibility-heartbeat.js';
import { createWaitingLimiter } from './waiting-limiter.js';
import type { ResolvedWorkerOptions, WorkerStopReason, WorkerSummary } from './worker-options.js';
import type { WorkerParts } from './worker-parts.js';
import { WorkerSlots } from './worker-slots.js';
import { drain, stopWhen } from './worker-stopping.js';
import { createWorkerTelemetry } from './worker-telemetry.js';

/**
 * One worker: its parts, wired together, and its life from start to summary. Its receive loops
 * ({@link TaskReceiver}) hand each message to {@link TaskDispatch}, which takes its tasks in and
 * runs each in a slot (`task-run.ts`); their messages and outcomes go through
 * {@link TaskMessages}. Made and run by `runWorker`.
 *
 * @internal
 */
export class SqsWorker {
  readonly #o: ResolvedWorkerOptions;
  readonly #parts: WorkerParts;

  constructor(options: ResolvedWorkerOptions, queue: SqsConnection) {
    this.#o = options;
    const { onEvent, concurrency } = options;
    const telemetry = createWorkerTelemetry(queue.name, options.spanParent);
    const slots: WorkerSlots = new WorkerSlots(concurrency, options.idleTimeoutMs, (reason) =>
      onEvent({ type: 'worker_stopping', reason, running: slots.running.size }),
    );
    const outcomeQueues = new OutcomeQueues(queue.client);
    const heartbeat = new VisibilityHeartbeat(queue, (error) => onEvent({ type: 'worker_error', error }));
    const messages = new TaskMessages({ queue, heartbeat, outcomeQueues, telemetry, onEvent });
    const resources = createWaitingLimiter(options.resourceLimits);
    const gate = new ReplyGate({
      concurrency,
      flush: (url) => messages.flushReplies(url),
      isGone: (url) => outcomeQueues.isGone(url),
    });
    this.#parts = {
      queue,
      onEvent,
      slots,
      heartbeat,
      outcomeQueues,
      resources,
      gate,
      messages,
      telemetry,
      facts: new FactsReporter(),
      buildId: options.buildId ?? queue.options.buildId,
      builds: new BuildRefusals(),
      counts: { succeeded: 0, failed: 0, rejected: 0 },
    };
    // A stopping worker runs no more tasks: those still waiting for a resource go back to the queue.
    slots.signal.addEventListener('abort', () => resources.abandon(), { once: true });
  }

  async run(): Promise<WorkerSummary> {
    const started = performance.now();
    const { signal, maxRuntimeMs, concurrency, onEvent } = this.#o;
    const { slots, heartbeat, queue, messages, counts } = this.#parts;
    const unstop = stopWhen(slots, signal, maxRuntimeMs);
    const beating = heartbeat.start();
    onEvent({ type: 'worker_started', queueName: queue.name, concurrency });
    let receiver: TaskReceiver | undefined;
    try {
      await beating; // no task is taken before its message can be kept hidden
      const dispatch = new TaskDispatch(this.#parts, await maxReceiveCountOf(queue));
      receiver = new TaskReceiver(this.#parts, (message) => dispatch.handle(message));
      // One receive loop per full receive's worth of slots, up to four.
      await receiver.run(Math.min(4, Math.ceil(concurrency / SQS_BATCH_LIMIT)));
      await drain(slots, dispatch, messages);
    } finally {
      unstop();
      await heartbeat.stop();
    }
    if (receiver?.fatal !== undefined) throw receiver.fatal;
    const stoppedBy: WorkerStopReason = slots.stopReason ?? 'signal';
    const summary: WorkerSummary = { ...counts, stoppedBy, durationMs: performance.now() - started };
    onEvent({ type: 'worker_stopped', summary });
    return summary;
  }
}
