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
 * @internal The task message a reference stands for, read from the payload bucket and checked, or why it
 * cannot be run (reported to the reply address of the reference where it can be trusted), or
 * `ended` when `runEnded` says the run it was sent for has ended: then nothing is read.
 */
export async function loadTaskPayload(
  queue: SqsConnection,
  body: string,
  runEnded: (ref: PayloadRef) => Promise<boolean>,
): Promise<{ body: string; ref: PayloadRef } | { ended: PayloadRef } | (RejectedMessage & { ref?: PayloadRef })> {
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
  if (ref.payload.bucket !== payloads.bucket) {
    return refuse(`its payload is in bucket '${ref.payload.bucket}', not in this worker's '${payloads.bucket}'`);
  }
  if (await runEnded(ref)) return { ended: ref }; // a dropped task costs no GetObject
  try {
    return { body: await payloads.fetch(ref), ref };
  } catch (error) {
    return { error: error as Error, reply, taskId: ref.taskId, ref }; // deleted with its message
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
