import { decodeOutcomeEnvelope } from '../../remote/envelope-outcome.js';
import type { SigningKey } from '../../remote/envelope-signing.js';
import { decodeBuildNotice, type BuildNotice } from '../../remote/build-notice.js';
import { MazepaError } from '../../../flows/errors.js';
import { serializeError } from '../../../flows/serialized-error.js';
import type { OutcomeReport } from '../../../streams/execution-queue.js';
import { salvageFields } from '../../remote/reply-address.js';

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
 * @internal Decodes an outcome message of run `run` of execution `executionId`, received on queue
 * `queueName`. Never throws. A valid outcome of another execution or run only comes back
 * `rejected`. So does a message that does not decode or fails its signature check when a
 * signing key is set: unverified, it must not touch a task. Without a key, such a message fails
 * the task it names when its execution, run and attempt can still be read (the task need not
 * wait for ever); else it is only rejected.
 */
export function readOutcome(
  body: unknown,
  options: {
    readonly queueName: string;
    readonly executionId: string;
    readonly run: string;
    readonly signingKey: SigningKey | undefined;
    /** The size limit of the text. @default 256 KiB */
    readonly maxBytes?: number;
  },
): ReadOutcome {
  const { queueName, executionId, run, signingKey, maxBytes } = options;
  let decoded;
  try {
    decoded = decodeOutcomeEnvelope(body, { signingKey, maxBytes });
  } catch (error) {
    const reason = `not a valid outcome: ${error instanceof Error ? error.message : String(error)}`;
    const address = salvageOutcomeAddress(body);
    const ours = address?.executionId === executionId && address.run === run;
    if (signingKey !== undefined || !ours) return { report: undefined, rejected: reason, taskId: address?.taskId };
    const { taskId, attempt } = address;
    const failure = new MazepaError(
      `Outcome queue '${queueName}' received an outcome of task ${taskId} that is ${reason}`,
      { taskId, cause: error },
    );
    const outcome = { error: serializeError(failure), executionSecs: 0 };
    return { report: { taskId, outcome, attempt }, rejected: reason, taskId };
  }
  if (decoded.executionId !== executionId) {
    return { report: undefined, rejected: `an outcome of execution ${decoded.executionId}`, taskId: decoded.taskId };
  }
  if (decoded.run !== run) {
    return {
      report: undefined,
      rejected: `an outcome of another run of execution ${executionId}`,
      taskId: decoded.taskId,
    };
  }
  return {
    report: { taskId: decoded.taskId, outcome: decoded.outcome, attempt: decoded.attempt },
    rejected: undefined,
    taskId: decoded.taskId,
  };
}

/**
 * The execution, run, task and attempt an unreadable outcome message names, where its JSON holds
 * them all: without its attempt, a failure could not be told from a stale one.
 */
function salvageOutcomeAddress(
  body: unknown,
): { executionId: string; run: unknown; taskId: string; attempt: number } | undefined {
  const fields = salvageFields(body);
  if (fields === undefined) return undefined;
  const { executionId, taskId, attempt, run } = fields;
  if (typeof executionId !== 'string' || typeof taskId !== 'string' || taskId === '' || taskId.length > 4096) {
    return undefined;
  }
  if (typeof attempt !== 'number' || !Number.isSafeInteger(attempt) || attempt < 1) return undefined;
  return { executionId, run, taskId, attempt };
}

/**
 * @internal Decodes a build notice received on an outcome queue: the notice when it is of run
 * `run` of execution `executionId` (and signed, when a key is set), else why it is rejected.
 * Never throws.
 */
export function readBuildNotice(
  body: string,
  options: { readonly executionId: string; readonly run: string; readonly signingKey: SigningKey | undefined },
):
  | { readonly notice: BuildNotice; readonly rejected?: undefined }
  | { readonly notice?: undefined; readonly rejected: string } {
  try {
    const notice = decodeBuildNotice(body, { signingKey: options.signingKey });
    if (notice.executionId === options.executionId && notice.run === options.run) return { notice };
    return { rejected: 'a build notice of another execution or run' };
  } catch (error) {
    return { rejected: `not a valid build notice: ${(error as Error).message}` };
  }
}
