import { decodeOutcomeEnvelope } from '../../flows/envelope-outcome.js';
import type { SigningKey } from '../../flows/envelope-signing.js';
import { MazepaError } from '../../flows/errors.js';
import { serializeError } from '../../flows/serialized-error.js';
import type { OutcomeReport } from '../../streams/execution-queue.js';
import { salvageFields } from '../remote/reply-address.js';

/** @internal What {@link readOutcome} makes of a message. */
export interface ReadOutcome {
  /** The report to hand on: the outcome, or a failure of the task the bad message names. */
  readonly report: OutcomeReport | undefined;
  /** Why the message is not a valid outcome of this execution, when it is not. */
  readonly rejected: string | undefined;
  /** The task it names, where that can be read. */
  readonly taskId: string | undefined;
}

/**
 * @internal Decodes an outcome message of execution `executionId`, received on queue `queueName`.
 * Never throws: a message that does not decode or fails its signature check fails the task it
 * names where that task id (and this execution id) can still be read, so the task does not wait
 * for ever; else, like an outcome of another execution, it only comes back `rejected`.
 */
export function readOutcome(
  body: unknown,
  options: {
    readonly queueName: string;
    readonly executionId: string;
    readonly signingKey: SigningKey | undefined;
    /** The size limit of the text. @default 256 KiB */
    readonly maxBytes?: number;
  },
): ReadOutcome {
  const { queueName, executionId, signingKey, maxBytes } = options;
  let decoded;
  try {
    decoded = decodeOutcomeEnvelope(body, { signingKey, maxBytes });
  } catch (error) {
    const reason = `not a valid outcome: ${error instanceof Error ? error.message : String(error)}`;
    const address = salvageOutcomeAddress(body);
    if (address?.executionId !== executionId) return { report: undefined, rejected: reason, taskId: address?.taskId };
    const { taskId, attempt } = address;
    const failure = new MazepaError(
      `Outcome queue '${queueName}' received an outcome of task ${taskId} that is ${reason}`,
      {
        taskId,
        cause: error,
      },
    );
    const outcome = { error: serializeError(failure), executionSecs: 0 };
    return { report: { taskId, outcome, ...(attempt === undefined ? {} : { attempt }) }, rejected: reason, taskId };
  }
  if (decoded.executionId !== executionId) {
    return { report: undefined, rejected: `an outcome of execution ${decoded.executionId}`, taskId: decoded.taskId };
  }
  return {
    report: { taskId: decoded.taskId, outcome: decoded.outcome, attempt: decoded.attempt },
    rejected: undefined,
    taskId: decoded.taskId,
  };
}

/** The execution, task and attempt an unreadable outcome message names, where its JSON holds them. */
function salvageOutcomeAddress(
  body: unknown,
): { executionId: string; taskId: string; attempt: number | undefined } | undefined {
  const fields = salvageFields(body);
  if (fields === undefined) return undefined;
  const { executionId, taskId, attempt } = fields;
  if (typeof executionId !== 'string' || typeof taskId !== 'string' || taskId === '' || taskId.length > 4096) {
    return undefined;
  }
  const valid = typeof attempt === 'number' && Number.isSafeInteger(attempt) && attempt >= 1;
  return { executionId, taskId, attempt: valid ? attempt : undefined };
}
