/**
 * The worker's side of payloads in S3: task messages read through their reference, outcome
 * messages too big for SQS stored.
 */
import type { TaskEnvelope } from '../../remote/envelope.js';
import { messageBytes } from '../../remote/envelope-text.js';
import { MazepaError } from '../../../flows/errors.js';
import { serializeError, withoutStacks } from '../../../flows/serialized-error.js';
import type { TaskOutcome } from '../../../flows/task.js';
import { outcomeMessage } from '../../remote/outcome-message.js';
import type { RejectedMessage } from '../../remote/prepare-task.js';
import { salvageReplyAddress, type ReplyAddress } from '../../remote/reply-address.js';
import { decodePayloadRef, replyOf, type PayloadRef } from '../payloads/payload-ref.js';
import type { SqsConnection } from '../calls/sqs-connection.js';

/**
 * @internal The task message a reference stands for, read from the payload bucket and checked,
 * or why it cannot be run (reported to the reply address of the reference where it can be
 * trusted). The reference is checked before any S3 call (this worker's bucket, the key of its
 * own task queue, execution, run, task and attempt), and no more than its announced size is
 * read. `ref` is returned only with a body that passed every check: only then may the object be
 * deleted (a run that has ended has its task read too, so that a forged reference naming a
 * gone outcome queue deletes nothing it did not check).
 */
export async function loadTaskPayload(
  queue: SqsConnection,
  body: string,
): Promise<{ body: string; ref: PayloadRef } | RejectedMessage> {
  const { signingKey } = queue.options;
  let ref: PayloadRef;
  try {
    ref = decodePayloadRef(body, { signingKey });
  } catch (error) {
    const salvaged = salvageReplyAddress(body);
    const reply = signingKey === undefined ? salvaged : undefined;
    return { error: error as Error, reply, taskId: salvaged?.taskId };
  }
  const reply = replyOf(ref);
  const payloads = queue.payloads;
  const refuse = (why: string): RejectedMessage => ({
    error: new MazepaError(`task ${ref.taskId} cannot be run: ${why}`, { taskId: ref.taskId }),
    reply,
    taskId: ref.taskId,
  });
  if (ref.of !== 'task') return refuse('its message refers to an outcome, not a task');
  if (payloads === undefined) {
    return refuse(
      `its arguments are in s3://${ref.payload.bucket}/${ref.payload.key}, and this worker has no payload ` +
        'bucket (start it with --payload-bucket, or give its queue payloadBucket)',
    );
  }
  const refusal = payloads.refused(ref);
  if (refusal !== undefined) return refuse(refusal);
  try {
    return { body: await payloads.fetch(ref), ref };
  } catch (error) {
    return { error: error as Error, reply, taskId: ref.taskId }; // the object stays: it failed a check
  }
}

/** @internal The outcome message of a task; through the payload bucket when it is too big for SQS. */
export async function outcomeBody(
  queue: SqsConnection,
  envelope: TaskEnvelope,
  outcome: TaskOutcome,
): Promise<{ body: string; failed: boolean }> {
  const { signingKey } = queue.options;
  const payloads = queue.payloads;
  if (payloads === undefined) return outcomeMessage(envelope, outcome, signingKey);
  const message = outcomeMessage(envelope, outcome, signingKey, Number.POSITIVE_INFINITY);
  if (messageBytes(message.body) <= payloads.thresholdBytes) return message;
  const { executionId, taskId, attempt, run } = envelope;
  try {
    const owner = { of: 'outcome', executionId, taskId, attempt, run } as const;
    const body = await payloads.offload(message.body, owner, signingKey);
    return { body, failed: message.failed };
  } catch (error) {
    return outcomeMessage(envelope, { error: serializeError(error), executionSecs: outcome.executionSecs }, signingKey);
  }
}

/**
 * @internal The failed outcome message of a task that is not run (its message rejected, or the
 * task lost), to `to`: the error without the worker's stack (its file paths are nobody's business).
 */
export function failureBody(queue: SqsConnection, to: ReplyAddress, error: Error): string {
  const failure = { error: withoutStacks(serializeError(error)), executionSecs: 0 };
  return outcomeMessage(to, failure, queue.options.signingKey).body;
}
