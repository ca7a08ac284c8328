/**
 * The task message: a versioned JSON envelope that carries one attempt of a task to a worker.
 * Decoding is strict and never evaluates anything: unknown versions and fields, missing or
 * mistyped fields, `__proto__` keys and oversize texts are refused with an `EnvelopeError`.
 */
import { decodeValue } from '../../flows/codec/decode.js';
import { encodeValue } from '../../flows/codec/encode.js';
import type { Encoded } from '../../flows/codec/encoded.js';
import { EnvelopeError } from './envelope-error.js';
import { encodedArray, intField, optionalNumber, plainObject, stringField, type Fields } from './envelope-fields.js';
import { signFields, verifyFields, type SigningKey } from './envelope-signing.js';
import {
  ENVELOPE_VERSION,
  MAX_MESSAGE_BYTES,
  OLDEST_ENVELOPE_VERSION,
  PLAIN_ENVELOPE_VERSION,
  parseMessageText,
  toMessageText,
} from './envelope-text.js';
import { traceFields } from './envelope-trace.js';
import { MAX_TIMER_MS, type Task } from '../../flows/task.js';

/**
 * One attempt of a task, as it travels to a worker. Arguments stay encoded until run.
 *
 * @example
 * ```ts
 * import { decodeTaskEnvelope, type TaskEnvelope } from 'mazepa/sqs';
 * const envelope: TaskEnvelope = decodeTaskEnvelope(messageBody);
 * console.log(envelope.operationName, envelope.attempt);
 * ```
 */
export interface TaskEnvelope {
  readonly executionId: string;
  readonly taskId: string;
  readonly operationName: string;
  /** The attempt, from 1. */
  readonly attempt: number;
  /** Where the worker sends the outcome (for SQS: the outcome queue's URL). */
  readonly replyTo: string;
  /**
   * A token of this run of the execution, which the worker echoes in the outcome: the
   * orchestrator refuses outcomes of another run (e.g. an earlier one with the same execution id).
   */
  readonly run?: string | undefined;
  /** The task's runtime limit, when it has one. */
  readonly runtimeLimitMs?: number | undefined;
  /** For class operations: the encoded constructor arguments. */
  readonly constructorArgs?: readonly Encoded[] | undefined;
  /** The encoded call arguments. */
  readonly args: readonly Encoded[];
  /** The build of the orchestrator's code: a worker of another build does not run it. (version 2) */
  readonly build?: string | undefined;
  /** The operation's `version`: a worker whose operation has another one refuses it. (version 2) */
  readonly version?: string | number | undefined;
  /** The W3C `traceparent` of the push that sent it, when an SDK traced its run. (version 3) */
  readonly traceparent?: string | undefined;
  /** The W3C `tracestate` that goes with `traceparent`. (version 3) */
  readonly tracestate?: string | undefined;
}

/**
 * Options of the envelope encoders and decoders.
 *
 * @example
 * ```ts
 * import { decodeTaskEnvelope, type EnvelopeOptions } from 'mazepa/sqs';
 * const options: EnvelopeOptions = { signingKey: 'shared secret', maxBytes: 64 * 1024 };
 * decodeTaskEnvelope(messageBody, options);
 * ```
 */
export interface EnvelopeOptions {
  /** Sign (encoding) or require and check (decoding) an HMAC-SHA256 signature. @default unsigned */
  readonly signingKey?: SigningKey | undefined;
  /** Refuse texts over this many UTF-8 bytes when decoding. @default 262144 (256 KiB) */
  readonly maxBytes?: number | undefined;
}

const TASK_FIELDS = new Set([
  'v',
  'kind',
  'executionId',
  'taskId',
  'operationName',
  'attempt',
  'replyTo',
  'run',
  'runtimeLimitMs',
  'constructorArgs',
  'args',
  'build',
  'version',
  'traceparent',
  'tracestate',
  'sig',
]);
const WHAT = 'task message';
/** @internal The longest run token a message may carry. */
export const MAX_RUN_LENGTH = 64;

/**
 * The envelope of a task's current attempt. Throws the codec's `CodecError`, naming the path of
 * the value (`args[1].cb is a function`), when an argument cannot be encoded.
 *
 * @example
 * ```ts
 * import { taskableOperation } from 'mazepa';
 * import { encodeTaskEnvelope, taskEnvelopeOf } from 'mazepa/sqs';
 * const add = taskableOperation(function add(a: number, b: number) { return a + b; });
 * const task = add.makeTask(1, 2);
 * task.executionId = 'exec-1';
 * const text = encodeTaskEnvelope(taskEnvelopeOf(task, 'https://sqs.example/outcomes'));
 * ```
 */
export function taskEnvelopeOf(
  task: Task,
  replyTo: string,
  run?: string,
  build?: string,
  trace?: { readonly traceparent?: string; readonly tracestate?: string },
): TaskEnvelope {
  if (task.executionId === undefined) {
    throw new EnvelopeError(`task ${task.id} has no executionId: submit it through execute()`);
  }
  return {
    executionId: task.executionId,
    taskId: task.id,
    operationName: task.operationName,
    attempt: task.attempt,
    replyTo,
    run,
    runtimeLimitMs: task.runtimeLimitMs,
    constructorArgs:
      task.constructorArgs === undefined
        ? undefined
        : (encodeValue(task.constructorArgs, 'constructorArgs') as Encoded[]),
    args: encodeValue(task.args, 'args') as Encoded[],
    build,
    version: task.version,
    traceparent: trace?.traceparent,
    tracestate: trace?.traceparent === undefined ? undefined : trace.tracestate,
  };
}

/**
 * The message text of a task envelope, signed when `options.signingKey` is set.
 *
 * @example
 * ```ts
 * import { encodeTaskEnvelope } from 'mazepa/sqs';
 * const text = encodeTaskEnvelope(
 *   { executionId: 'e', taskId: 't', operationName: 'add', attempt: 1, replyTo: 'q', args: [1, 2] },
 *   { signingKey: 'secret' },
 * );
 * ```
 */
export function encodeTaskEnvelope(envelope: TaskEnvelope, options: EnvelopeOptions = {}): string {
  const fields: Record<string, unknown> = {
    // Only a traced task needs version 3: others stay readable by workers of version 2.
    v: envelope.traceparent === undefined ? PLAIN_ENVELOPE_VERSION : ENVELOPE_VERSION,
    kind: 'task',
    executionId: envelope.executionId,
    taskId: envelope.taskId,
    operationName: envelope.operationName,
    attempt: envelope.attempt,
    replyTo: envelope.replyTo,
  };
  if (envelope.run !== undefined) fields.run = envelope.run;
  if (envelope.runtimeLimitMs !== undefined) fields.runtimeLimitMs = envelope.runtimeLimitMs;
  if (envelope.constructorArgs !== undefined) fields.constructorArgs = envelope.constructorArgs;
  fields.args = envelope.args;
  if (envelope.build !== undefined) fields.build = envelope.build;
  if (envelope.version !== undefined) fields.version = envelope.version;
  if (envelope.traceparent !== undefined) {
    fields.traceparent = envelope.traceparent;
    if (envelope.tracestate !== undefined) fields.tracestate = envelope.tracestate;
  }
  if (options.signingKey !== undefined) fields.sig = signFields(fields, options.signingKey);
  return toMessageText(fields);
}

/**
 * Reads a task message strictly; throws an `EnvelopeError` for anything but a valid envelope of
 * this version (with a matching signature when `options.signingKey` is set). The arguments stay
 * encoded: {@link decodeTaskArgs} decodes them.
 *
 * @example
 * ```ts
 * import { decodeTaskEnvelope } from 'mazepa/sqs';
 * const envelope = decodeTaskEnvelope(messageBody, { signingKey: process.env.MAZEPA_SIGNING_KEY });
 * ```
 */
export function decodeTaskEnvelope(text: unknown, options: EnvelopeOptions = {}): TaskEnvelope {
  const fields = readEnvelope(text, 'task', TASK_FIELDS, WHAT, options);
  const constructorArgs =
    fields.constructorArgs === undefined ? undefined : encodedArray(fields, 'constructorArgs', WHAT);
  return {
    executionId: stringField(fields, 'executionId', WHAT, 256),
    taskId: stringField(fields, 'taskId', WHAT),
    operationName: stringField(fields, 'operationName', WHAT, 1024),
    attempt: intField(fields, 'attempt', WHAT, 1),
    replyTo: stringField(fields, 'replyTo', WHAT, 2048),
    run: fields.run === undefined ? undefined : stringField(fields, 'run', WHAT, MAX_RUN_LENGTH),
    runtimeLimitMs: timeLimitField(fields),
    constructorArgs,
    args: encodedArray(fields, 'args', WHAT),
    build: fields.build === undefined ? undefined : stringField(fields, 'build', WHAT, 128),
    version: versionField(fields),
    ...traceFields(fields, WHAT),
  };
}

/** An operation version: a non-empty string of at most 64 characters, or a whole number >= 0. */
function versionField(fields: Fields): string | number | undefined {
  const value = fields.version;
  if (value === undefined || typeof value === 'string') {
    return value === undefined ? undefined : stringField(fields, 'version', WHAT, 64);
  }
  return intField(fields, 'version', WHAT, 0);
}

/** The runtime limit of a task message: a number > 0 that Node's timers can hold. */
function timeLimitField(fields: Fields): number | undefined {
  const value = optionalNumber(fields, 'runtimeLimitMs', WHAT, true);
  if (value !== undefined && value > MAX_TIMER_MS) {
    throw new EnvelopeError(`${WHAT} field "runtimeLimitMs" must be at most ${MAX_TIMER_MS}, not ${value}`);
  }
  return value;
}

/**
 * Decodes the arguments of a task envelope; throws a `CodecError` naming the path at fault.
 *
 * @example
 * ```ts
 * import { decodeTaskArgs, decodeTaskEnvelope } from 'mazepa/sqs';
 * const { args } = decodeTaskArgs(decodeTaskEnvelope(messageBody));
 * ```
 */
export function decodeTaskArgs(envelope: TaskEnvelope): { args: unknown[]; constructorArgs: unknown[] | undefined } {
  return {
    args: decodeValue(envelope.args, 'args') as unknown[],
    constructorArgs:
      envelope.constructorArgs === undefined
        ? undefined
        : (decodeValue(envelope.constructorArgs, 'constructorArgs') as unknown[]),
  };
}

/** @internal Parses an envelope of `kind`, checks its version, fields and signature. */
export function readEnvelope(
  text: unknown,
  kind: string,
  allowed: ReadonlySet<string>,
  what: string,
  options: EnvelopeOptions,
): Fields {
  const fields = plainObject(parseMessageText(text, what, options.maxBytes ?? MAX_MESSAGE_BYTES), what, allowed);
  if (typeof fields.v !== 'number' || !(fields.v >= OLDEST_ENVELOPE_VERSION && fields.v <= ENVELOPE_VERSION)) {
    throw new EnvelopeError(
      `${what} has version ${JSON.stringify(fields.v) ?? 'missing'}; this mazepa reads versions ` +
        `${OLDEST_ENVELOPE_VERSION} to ${ENVELOPE_VERSION} (is the sender a newer mazepa? run the same one on both sides)`,
    );
  }
  if (fields.kind !== kind) {
    throw new EnvelopeError(`${what} has kind ${JSON.stringify(fields.kind) ?? 'missing'}, expected "${kind}"`);
  }
  if (options.signingKey !== undefined) verifyFields(fields, options.signingKey, what);
  else if (fields.sig !== undefined && typeof fields.sig !== 'string') {
    throw new EnvelopeError(`${what} field "sig" must be a string`);
  }
  return fields;
}
