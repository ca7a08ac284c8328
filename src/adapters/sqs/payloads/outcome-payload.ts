import type { SigningKey } from '../../remote/envelope-signing.js';
import { MazepaError } from '../../../flows/errors.js';
import { serializeError } from '../../../flows/serialized-error.js';
import { readOutcome, type ReadOutcome } from '../orchestrator/outcome-decode.js';
import { decodePayloadRef, sameTask, type PayloadRef } from './payload-ref.js';
import type { PayloadStore } from './payload-store.js';

/** @internal What {@link readOutcomeRef} needs. */
export interface OutcomeRefOptions {
  readonly queueName: string;
  readonly executionId: string;
  /** This run's token: a reference of another run is refused without reading its payload. */
  readonly run: string;
  readonly signingKey: SigningKey | undefined;
  readonly payloads: PayloadStore | undefined;
  /** Called once the payload has been read and every check passed: delete it. */
  readonly consumed: (ref: PayloadRef) => void;
}

/**
 * @internal Reads an outcome message that refers to a payload in S3: checks the reference (and
 * its signature, its execution, run, bucket and key), fetches the object (no more than its
 * announced size), checks its size and SHA-256, and decodes the outcome it holds, which must be
 * the one the reference names. Only then is the object given to `consumed`; an object that
 * failed a check stays where it is (a lifecycle rule, or `mazepa queues`, removes it). Never throws: a reference that does not
 * decode is read like any bad outcome message; a payload that cannot be read or trusted fails
 * only the task the reference names.
 */
export async function readOutcomeRef(body: string, options: OutcomeRefOptions): Promise<ReadOutcome> {
  const { executionId, run, signingKey, payloads } = options;
  let ref: PayloadRef;
  try {
    ref = decodePayloadRef(body, { signingKey });
  } catch {
    return readOutcome(body, options); // refused with the reason, failing the task it names where it can
  }
  if (ref.executionId !== executionId) {
    return { report: undefined, rejected: `an outcome of execution ${ref.executionId}`, taskId: ref.taskId };
  }
  if (ref.run !== run) {
    // Its payload is not this run's to read or delete: a lifecycle rule on the prefix removes it.
    const rejected = `an outcome of another run of execution ${executionId}`;
    return { report: undefined, rejected, taskId: ref.taskId };
  }
  const fail = (reason: string, cause?: unknown): ReadOutcome => {
    const error = new MazepaError(`The outcome of task ${ref.taskId} ${reason}`, { taskId: ref.taskId, cause });
    const outcome = { error: serializeError(error), executionSecs: 0 };
    return { report: { taskId: ref.taskId, outcome, attempt: ref.attempt }, rejected: reason, taskId: ref.taskId };
  };
  if (ref.of !== 'outcome') return fail('came as a reference to a task message');
  if (payloads === undefined) {
    return fail(
      `is stored in s3://${ref.payload.bucket}/${ref.payload.key}, and this queue has no payloadBucket to read it with`,
    );
  }
  // Checked before any S3 call: a forged reference can name no object but this run's own.
  const refusal = payloads.refused(ref);
  if (refusal !== undefined) return fail(`was not read: ${refusal}`);
  let text: string;
  try {
    text = await payloads.fetch(ref);
  } catch (error) {
    return fail(`could not be used: ${(error as Error).message}`, error); // left where it is: never deleted unchecked
  }
  const read = readOutcome(text, { ...options, maxBytes: Number.POSITIVE_INFINITY });
  const { report } = read;
  if (read.rejected !== undefined || report === undefined) return read;
  if (!sameTask(ref, { executionId, run, ...report })) {
    return fail(`stored in s3://${ref.payload.bucket}/${ref.payload.key} names another task or attempt`);
  }
  options.consumed(ref); // read, checked and decoded: it is this run's, and done with
  return read;
}
