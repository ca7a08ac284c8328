import { MAX_RUN_LENGTH } from './envelope.js';
import { MAX_MESSAGE_BYTES } from './envelope-text.js';

/** Where and for what a worker sends an outcome. @internal */
export interface ReplyAddress {
  readonly replyTo: string;
  readonly executionId: string;
  readonly taskId: string;
  readonly attempt: number;
  /** The run token to echo in the outcome, when the task message has one. */
  readonly run?: string | undefined;
}

/**
 * The reply address of a message that did not decode, when its JSON still holds one: such a
 * task is failed with a clear error rather than left to time out. Never throws.
 *
 * @internal
 */
export function salvageReplyAddress(body: unknown): ReplyAddress | undefined {
  const fields = salvageFields(body);
  if (fields === undefined) return undefined;
  const { replyTo, executionId, taskId, attempt, run } = fields;
  if (!isText(replyTo, 2048) || !isText(executionId, 256) || !isText(taskId, 4096)) return undefined;
  if (typeof attempt !== 'number' || !Number.isSafeInteger(attempt) || attempt < 1) return undefined;
  if (run !== undefined && !isText(run, MAX_RUN_LENGTH)) return undefined;
  return { replyTo, executionId, taskId, attempt, ...(run === undefined ? {} : { run }) };
}

/**
 * The top-level fields of a message body that did not decode, when it is still a JSON object of
 * no more than the message size limit; never throws. Only read, never evaluated.
 *
 * @internal
 */
export function salvageFields(body: unknown): Record<string, unknown> | undefined {
  if (typeof body !== 'string' || body.length > MAX_MESSAGE_BYTES) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  return parsed as Record<string, unknown>;
}

function isText(value: unknown, max: number): value is string {
  return typeof value === 'string' && value !== '' && value.length <= max;
}
