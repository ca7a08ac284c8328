import { encodeValue } from '../../flows/codec/encode.js';
import type { Encoded } from '../../flows/codec/encoded.js';
import type { SigningKey } from './envelope-signing.js';
import { encodeOutcomeEnvelope } from './envelope-outcome.js';
import { MAX_MESSAGE_BYTES, messageBytes } from './envelope-text.js';
import { MazepaError } from '../../flows/errors.js';
import { serializeError, type SerializedError } from '../../flows/serialized-error.js';
import type { TaskOutcome } from '../../flows/task.js';
import type { ReplyAddress } from './reply-address.js';
import { thisWorker } from './worker-address.js';

/** An outcome as message text, and whether it reports a failure. @internal */
export interface OutcomeMessage {
  readonly body: string;
  readonly failed: boolean;
}

/** Limits on an error's text, tried in turn until the message fits. */
const ERROR_LIMITS = [
  { name: 256, message: 16_384, stack: 32_768, causes: 8 },
  { name: 256, message: 2_048, stack: 8_192, causes: 2 },
  { name: 128, message: 512, stack: 1_024, causes: 0 },
] as const;

/**
 * The outcome message of an attempt, sized to fit one message (`maxBytes`). A return value the
 * codec refuses, or one too big to send, turns into a failure that says so; an error's name,
 * message, stack and causes are cut short as needed, saying how much was cut.
 *
 * @internal
 */
export function outcomeMessage(
  address: ReplyAddress,
  outcome: TaskOutcome,
  signingKey: SigningKey | undefined,
  maxBytes = MAX_MESSAGE_BYTES,
): OutcomeMessage {
  const base = {
    executionId: address.executionId,
    taskId: address.taskId,
    attempt: address.attempt,
    ...(address.run === undefined ? {} : { run: address.run }),
    executionSecs: outcome.executionSecs,
    ...(outcome.worker === undefined ? {} : { worker: outcome.worker }),
  };
  let error = outcome.error;
  if (error === undefined) {
    let returnValue: Encoded | undefined;
    try {
      returnValue = encodeValue(outcome.returnValue, 'returnValue');
    } catch (e) {
      error = serializeError(
        new MazepaError(`Task ${address.taskId} returned a value that cannot be sent back: ${messageOf(e)}`, {
          taskId: address.taskId,
          cause: e,
        }),
      );
    }
    if (returnValue !== undefined) {
      const body = encodeOutcomeEnvelope({ ...base, returnValue }, { signingKey });
      const size = messageBytes(body);
      if (size <= maxBytes) return { body, failed: false };
      error = serializeError(
        new MazepaError(
          `Task ${address.taskId} returned a value of ${size} bytes encoded, over the limit of ${maxBytes} bytes ` +
            'for a message; return something smaller (e.g. store large results and return where they are)',
          { taskId: address.taskId },
        ),
      );
    }
  }
  const failure: SerializedError = error ?? { name: 'MazepaError', message: 'Task failed' };
  // Which worker sent it back: the operator reads that worker's log.
  const worker = failure.worker ?? thisWorker();
  let body = '';
  for (const limits of ERROR_LIMITS) {
    const sent = { ...truncateError(failure, limits, 0), worker };
    body = encodeOutcomeEnvelope({ ...base, error: sent }, { signingKey });
    if (messageBytes(body) <= maxBytes) break;
  }
  return { body, failed: true };
}

type Limits = (typeof ERROR_LIMITS)[number];

/** @internal A copy of `error` with its texts cut to `limits`. */
export function truncateError(error: SerializedError, limits: Limits, depth: number): SerializedError {
  const cause =
    error.cause !== undefined && depth < limits.causes ? truncateError(error.cause, limits, depth + 1) : undefined;
  return {
    name: cut(error.name, limits.name) || 'Error',
    message: cut(error.message, limits.message),
    ...(error.stack === undefined ? {} : { stack: cut(error.stack, limits.stack) }),
    ...(cause === undefined ? {} : { cause }),
    ...(error.lost === undefined ? {} : { lost: error.lost }),
  };
}

function cut(text: string, max: number): string {
  if (typeof text !== 'string') return String(text);
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… [${text.length - max} more characters cut]`;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
