/**
 * The message that stands for a task or outcome message too big for SQS: it names the S3 object
 * holding the full message text, with the object's size and SHA-256, and the task it is about
 * (so a payload that cannot be read still fails its own task). Signed like every envelope when
 * a signing key is set, so the signature covers the reference and its checksum.
 */
import { MAX_RUN_LENGTH, readEnvelope, type EnvelopeOptions } from '../../remote/envelope.js';
import { EnvelopeError } from '../../remote/envelope-error.js';
import { intField, plainObject, stringField } from '../../remote/envelope-fields.js';
import { signFields } from '../../remote/envelope-signing.js';
import { WRAPPER_VERSION, toMessageText } from '../../remote/envelope-text.js';
import type { ReplyAddress } from '../../remote/reply-address.js';

/** Where a payload is stored and how to check it. @internal */
export interface PayloadLocation {
  readonly bucket: string;
  readonly key: string;
  /** The object's size in bytes. */
  readonly size: number;
  /** The object's SHA-256, hex. */
  readonly sha256: string;
}

/** A reference message, decoded. @internal */
export interface PayloadRef {
  /** Whether it stands for a task message or an outcome message. */
  readonly of: 'task' | 'outcome';
  readonly executionId: string;
  readonly taskId: string;
  readonly attempt: number;
  /** The run token of the task message (echoed in its outcome), when it has one. */
  readonly run?: string | undefined;
  /** For a task: where its outcome goes. */
  readonly replyTo?: string | undefined;
  readonly payload: PayloadLocation;
}

const KIND = 'payload';
const FIELDS = new Set(['v', 'kind', 'of', 'executionId', 'taskId', 'attempt', 'run', 'replyTo', 'payload', 'sig']);
const LOCATION_FIELDS = new Set(['bucket', 'key', 'size', 'sha256']);
const WHAT = 'payload reference';
// toMessageText keeps the order of the fields: every reference starts like this.
const PREFIX = `{"v":${WRAPPER_VERSION},"kind":"${KIND}"`;

/** @internal Whether a message body is a reference (it may still fail to decode). */
export function isPayloadRef(body: unknown): body is string {
  return typeof body === 'string' && body.startsWith(PREFIX);
}

/** @internal The message text of a reference, signed when `options.signingKey` is set. */
export function encodePayloadRef(ref: PayloadRef, options: EnvelopeOptions = {}): string {
  const fields: Record<string, unknown> = {
    v: WRAPPER_VERSION,
    kind: KIND,
    of: ref.of,
    executionId: ref.executionId,
    taskId: ref.taskId,
    attempt: ref.attempt,
  };
  if (ref.run !== undefined) fields.run = ref.run;
  if (ref.replyTo !== undefined) fields.replyTo = ref.replyTo;
  fields.payload = { ...ref.payload };
  if (options.signingKey !== undefined) fields.sig = signFields(fields, options.signingKey);
  return toMessageText(fields);
}

/** @internal Reads a reference strictly (its signature checked when `options.signingKey` is set). */
export function decodePayloadRef(text: unknown, options: EnvelopeOptions = {}): PayloadRef {
  const fields = readEnvelope(text, KIND, FIELDS, WHAT, options);
  const of = fields.of;
  if (of !== 'task' && of !== 'outcome') {
    throw new EnvelopeError(`${WHAT} field "of" must be "task" or "outcome", not ${JSON.stringify(of)}`);
  }
  const location = plainObject(fields.payload, `${WHAT} field "payload"`, LOCATION_FIELDS);
  const sha256 = stringField(location, 'sha256', WHAT, 64);
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new EnvelopeError(`${WHAT} field "sha256" must be 64 hex digits`);
  return {
    of,
    executionId: stringField(fields, 'executionId', WHAT, 256),
    taskId: stringField(fields, 'taskId', WHAT),
    attempt: intField(fields, 'attempt', WHAT, 1),
    run: fields.run === undefined ? undefined : stringField(fields, 'run', WHAT, MAX_RUN_LENGTH),
    replyTo: of === 'task' ? stringField(fields, 'replyTo', WHAT, 2048) : undefined,
    payload: {
      bucket: stringField(location, 'bucket', WHAT, 63),
      key: stringField(location, 'key', WHAT, 1024),
      size: intField(location, 'size', WHAT, 0),
      sha256,
    },
  };
}

/** @internal Whether a decoded message is the one its reference announced (same run token too). */
export function sameTask(
  ref: PayloadRef,
  decoded: {
    readonly executionId: string;
    readonly taskId: string;
    readonly attempt?: number | undefined;
    readonly run?: string | undefined;
  },
): boolean {
  return (
    ref.executionId === decoded.executionId &&
    ref.taskId === decoded.taskId &&
    ref.attempt === decoded.attempt &&
    ref.run === decoded.run
  );
}

/** @internal Where the outcome of a task reference goes; none for an outcome reference. */
export function replyOf(ref: PayloadRef | undefined): ReplyAddress | undefined {
  if (ref?.of !== 'task' || ref.replyTo === undefined) return undefined;
  const { replyTo, executionId, taskId, attempt, run } = ref;
  return { replyTo, executionId, taskId, attempt, ...(run === undefined ? {} : { run }) };
}
