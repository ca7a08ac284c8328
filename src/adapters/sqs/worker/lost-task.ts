import { WorkerLostError } from '../../../flows/errors.js';
import type { TaskEnvelope } from '../../remote/envelope.js';
import { serializeError, type WorkerAddress } from '../../../flows/serialized-error.js';
import { thisWorker, workerText } from '../../remote/worker-address.js';
import type { PayloadRef } from '../payloads/payload-ref.js';
import { failureBody } from './worker-payloads.js';
import type { WorkerParts } from './worker-parts.js';

/**
 * @internal Whether a message received `receiveCount` times is on its last allowed receive
 * (`maxReceiveCount`): it went out that many times and never came back done, so each worker
 * that took it died (or stalled past its visibility) on it. The first receive always runs, even
 * with `maxReceiveCount` 1.
 */
export function isLastReceive(receiveCount: number, maxReceiveCount: number | undefined): boolean {
  return maxReceiveCount !== undefined && receiveCount > 1 && receiveCount >= maxReceiveCount;
}

/**
 * @internal The error a task whose workers died on it fails with, sent back by the worker that
 * saw it last (`reporter`, which took it on its last allowed receive: the first of its
 * `workers`). The workers that died on it could not say so: they are named only when known.
 */
export function workerLost(
  envelope: TaskEnvelope,
  receiveCount: number,
  reporter: WorkerAddress = thisWorker(),
  died: readonly string[] = [],
): WorkerLostError {
  const { taskId, operationName, attempt } = envelope;
  const known = died.length === 0 ? '' : ` (taken by ${died.join(', ')})`;
  const by = workerText(reporter);
  return new WorkerLostError(
    `Task ${taskId} ('${operationName}', attempt ${attempt}) was received ${receiveCount} times without an ` +
      `outcome${known}: the worker that took it died each time (a crash, an out-of-memory kill, process.exit ` +
      `in the task?) or stalled past the visibility timeout; ${by} took it on its last allowed receive and ` +
      'reported it lost instead of running it again',
    { taskId, operationName, receiveCount, workers: [by, ...died] },
  );
}

/**
 * @internal Fails a task whose message came back `receiveCount` times without an outcome with a
 * `WorkerLostError` (see {@link workerLost}) instead of running it again, then deletes its message.
 */
export async function reportLost(
  parts: WorkerParts,
  receipt: string,
  envelope: TaskEnvelope,
  receiveCount: number,
  ref: PayloadRef | undefined,
  messageId: string | undefined,
): Promise<void> {
  const lost = workerLost(envelope, receiveCount);
  // Not run: its span says why, with the error its run receives.
  parts.telemetry?.process(envelope, messageId).end(serializeError(lost), undefined);
  const body = failureBody(parts.queue, envelope, lost);
  if (!(await parts.messages.sendReply(envelope, body))) return;
  parts.counts.failed++;
  const { taskId, operationName, executionId, attempt } = envelope;
  parts.onEvent({ type: 'task_lost', taskId, operationName, executionId, attempt, receiveCount });
  await parts.messages.consume(receipt, ref);
}
