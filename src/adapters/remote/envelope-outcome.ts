/**
 * The outcome message: a versioned JSON envelope that carries one attempt's outcome back from a
 * worker to the execution that submitted the task. Read as strictly as task messages.
 */
import { decodeValue } from '../../flows/codec/decode.js';
import type { Encoded } from '../../flows/codec/encoded.js';
import { MAX_RUN_LENGTH, readEnvelope, type EnvelopeOptions } from './envelope.js';
import { EnvelopeError } from './envelope-error.js';
import { intField, optionalNumber, optionalString, plainObject, stringField } from './envelope-fields.js';
import { signFields } from './envelope-signing.js';
import { PLAIN_ENVELOPE_VERSION, toMessageText } from './envelope-text.js';
import { readWorkerFacts, workerFactsField, type WorkerFacts } from './worker-facts.js';
import type { LostTask, SerializedError, WorkerAddress } from '../../flows/serialized-error.js';
import type { TaskOutcome } from '../../flows/task.js';

/**
 * One attempt's outcome, as it travels back. The return value stays encoded until read.
 *
 * @example
 * ```ts
 * import { encodeOutcomeEnvelope, type OutcomeEnvelope } from 'mazepa/sqs';
 * const outcome: OutcomeEnvelope = { executionId: 'e', taskId: 't', attempt: 1, executionSecs: 0.2, returnValue: 42 };
 * encodeOutcomeEnvelope(outcome);
 * ```
 */
export interface OutcomeEnvelope {
  readonly executionId: string;
  readonly taskId: string;
  readonly attempt: number;
  /** The run token of the task message, echoed (see `TaskEnvelope.run`). */
  readonly run?: string | undefined;
  readonly executionSecs: number;
  /** The encoded return value, when the attempt succeeded. */
  readonly returnValue?: Encoded | undefined;
  /** The error, when it failed. */
  readonly error?: SerializedError | undefined;
  /** The worker that sent it and a few of its counts, when its orchestrator reads them (see `run`). */
  readonly worker?: WorkerFacts | undefined;
}

/**
 * A decoded outcome message.
 *
 * @example
 * ```ts
 * import { decodeOutcomeEnvelope, type DecodedOutcome } from 'mazepa/sqs';
 * const { taskId, outcome }: DecodedOutcome = decodeOutcomeEnvelope(messageBody);
 * ```
 */
export interface DecodedOutcome {
  readonly executionId: string;
  readonly taskId: string;
  readonly attempt: number;
  /** The run token it echoes, when it has one. */
  readonly run: string | undefined;
  readonly outcome: TaskOutcome;
}

const OUTCOME_FIELDS = new Set([
  'v',
  'kind',
  'executionId',
  'taskId',
  'attempt',
  'run',
  'executionSecs',
  'returnValue',
  'error',
  'worker',
  'sig',
]);
const ERROR_FIELDS = new Set(['name', 'message', 'stack', 'cause', 'worker', 'lost']);
const WORKER_FIELDS = new Set(['host', 'pid']);
const LOST_FIELDS = new Set(['taskId', 'operationName', 'receiveCount', 'workers']);
const WHAT = 'outcome message';
const MAX_CAUSES = 8;

/**
 * The message text of an outcome envelope, signed when `options.signingKey` is set.
 *
 * @example
 * ```ts
 * import { encodeOutcomeEnvelope } from 'mazepa/sqs';
 * encodeOutcomeEnvelope({ executionId: 'e', taskId: 't', attempt: 1, executionSecs: 0.1, returnValue: 3 });
 * ```
 */
export function encodeOutcomeEnvelope(envelope: OutcomeEnvelope, options: EnvelopeOptions = {}): string {
  const fields: Record<string, unknown> = {
    v: PLAIN_ENVELOPE_VERSION,
    kind: 'outcome',
    executionId: envelope.executionId,
    taskId: envelope.taskId,
    attempt: envelope.attempt,
    executionSecs: envelope.executionSecs,
  };
  if (envelope.run !== undefined) fields.run = envelope.run;
  if (envelope.worker !== undefined) fields.worker = workerFactsField(envelope.worker);
  if (envelope.error !== undefined) fields.error = plainError(envelope.error, 0);
  // `null` is a value of its own: only a missing return value travels as `undefined`.
  else fields.returnValue = envelope.returnValue === undefined ? { $t: 'undef' } : envelope.returnValue;
  if (options.signingKey !== undefined) fields.sig = signFields(fields, options.signingKey);
  return toMessageText(fields);
}

/**
 * Reads an outcome message strictly and decodes its return value; throws an `EnvelopeError` (or
 * the codec's `CodecError` for a malformed return value), never anything else.
 *
 * @example
 * ```ts
 * import { decodeOutcomeEnvelope } from 'mazepa/sqs';
 * const { taskId, outcome } = decodeOutcomeEnvelope(messageBody);
 * ```
 */
export function decodeOutcomeEnvelope(text: unknown, options: EnvelopeOptions = {}): DecodedOutcome {
  const fields = readEnvelope(text, 'outcome', OUTCOME_FIELDS, WHAT, options);
  const executionSecs = optionalNumber(fields, 'executionSecs', WHAT, false);
  if (executionSecs === undefined) throw new EnvelopeError(`${WHAT} field "executionSecs" is missing`);
  const base = {
    executionId: stringField(fields, 'executionId', WHAT, 256),
    taskId: stringField(fields, 'taskId', WHAT),
    attempt: intField(fields, 'attempt', WHAT, 1),
    run: fields.run === undefined ? undefined : stringField(fields, 'run', WHAT, MAX_RUN_LENGTH),
  };
  const worker =
    fields.worker === undefined ? {} : { worker: readWorkerFacts(fields.worker, `${WHAT} field "worker"`) };
  if (fields.error !== undefined) {
    if (fields.returnValue !== undefined) throw new EnvelopeError(`${WHAT} has both "error" and "returnValue"`);
    return { ...base, outcome: { error: readError(fields.error, 'error', 0), executionSecs, ...worker } };
  }
  if (!Object.hasOwn(fields, 'returnValue')) throw new EnvelopeError(`${WHAT} has neither "error" nor "returnValue"`);
  const returnValue = decodeValue(fields.returnValue, 'returnValue');
  return { ...base, outcome: { returnValue, executionSecs, ...worker } };
}

function readError(value: unknown, path: string, depth: number): SerializedError {
  const what = `${WHAT} ${path}`;
  const fields = plainObject(value, what, ERROR_FIELDS);
  const name = stringField(fields, 'name', what, 1024);
  const message = optionalString(fields, 'message', what, 1 << 20);
  if (message === undefined) throw new EnvelopeError(`${what} field "message" is missing`);
  const stack = optionalString(fields, 'stack', what, 1 << 20);
  if (fields.cause !== undefined && depth >= MAX_CAUSES)
    throw new EnvelopeError(`${what} has causes nested too deeply`);
  const cause = fields.cause === undefined ? undefined : readError(fields.cause, `${path}.cause`, depth + 1);
  const worker = fields.worker === undefined ? undefined : readWorker(fields.worker, `${what} field "worker"`);
  const lost = fields.lost === undefined ? undefined : readLost(fields.lost, `${what} field "lost"`);
  return {
    name,
    message,
    ...(stack === undefined ? {} : { stack }),
    ...(cause === undefined ? {} : { cause }),
    ...(worker === undefined ? {} : { worker }),
    ...(lost === undefined ? {} : { lost }),
  };
}

function readWorker(value: unknown, what: string): WorkerAddress {
  const fields = plainObject(value, what, WORKER_FIELDS);
  return { host: stringField(fields, 'host', what, 256), pid: intField(fields, 'pid', what, 0) };
}

function readLost(value: unknown, what: string): LostTask {
  const fields = plainObject(value, what, LOST_FIELDS);
  const workers = fields.workers;
  if (!Array.isArray(workers) || workers.length > 100 || workers.some((w) => typeof w !== 'string' || w.length > 300)) {
    throw new EnvelopeError(`${what} field "workers" must be an array of at most 100 short strings`);
  }
  return {
    taskId: stringField(fields, 'taskId', what),
    operationName: stringField(fields, 'operationName', what, 1024),
    receiveCount: intField(fields, 'receiveCount', what, 1),
    workers: workers as string[],
  };
}

/** A copy with only the known fields: a serialized error may carry a hidden original. */
function plainError(error: SerializedError, depth: number): SerializedError {
  return {
    name: error.name || 'Error',
    message: error.message,
    ...(error.stack === undefined ? {} : { stack: error.stack }),
    ...(error.cause === undefined || depth >= MAX_CAUSES ? {} : { cause: plainError(error.cause, depth + 1) }),
    ...(error.worker === undefined ? {} : { worker: { host: error.worker.host, pid: error.worker.pid } }),
    ...(error.lost === undefined
      ? {}
      : {
          lost: {
            taskId: error.lost.taskId,
            operationName: error.lost.operationName,
            receiveCount: error.lost.receiveCount,
            workers: [...error.lost.workers],
          },
        }),
  };
}
