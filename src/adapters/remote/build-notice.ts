/**
 * The build notice: a message a worker sends to a run's outcome queue, once, when it gives the
 * run's tasks back because they are of another build than its own.
 */
import { readEnvelope, type EnvelopeOptions } from './envelope.js';
import { EnvelopeError } from './envelope-error.js';
import { intField, plainObject, stringField } from './envelope-fields.js';
import { signFields } from './envelope-signing.js';
import { PLAIN_ENVELOPE_VERSION, toMessageText } from './envelope-text.js';
import type { WorkerAddress } from '../../flows/serialized-error.js';

/** @internal A worker of `workerBuild` refused the tasks of build `taskBuild` of a run. */
export interface BuildNotice {
  readonly executionId: string;
  readonly run?: string | undefined;
  readonly taskBuild: string;
  /** `undefined`: the worker has no build id. */
  readonly workerBuild: string | undefined;
  readonly worker: WorkerAddress;
}

const FIELDS = new Set(['v', 'kind', 'executionId', 'run', 'taskBuild', 'workerBuild', 'worker', 'sig']);
const WHAT = 'build notice';
const PREFIX = `{"v":${PLAIN_ENVELOPE_VERSION},"kind":"notice"`;

/** @internal The message text of a build notice, signed when `options.signingKey` is set. */
export function encodeBuildNotice(notice: BuildNotice, options: EnvelopeOptions = {}): string {
  const fields: Record<string, unknown> = {
    v: PLAIN_ENVELOPE_VERSION,
    kind: 'notice',
    executionId: notice.executionId,
  };
  if (notice.run !== undefined) fields.run = notice.run;
  fields.taskBuild = notice.taskBuild;
  if (notice.workerBuild !== undefined) fields.workerBuild = notice.workerBuild;
  fields.worker = { host: notice.worker.host, pid: notice.worker.pid };
  if (options.signingKey !== undefined) fields.sig = signFields(fields, options.signingKey);
  return toMessageText(fields);
}

/** @internal Whether a message text is a notice (cheap: its opening). */
export function isBuildNotice(text: unknown): text is string {
  return typeof text === 'string' && text.startsWith(PREFIX);
}

/** @internal Reads a build notice strictly; throws an `EnvelopeError`. */
export function decodeBuildNotice(text: unknown, options: EnvelopeOptions = {}): BuildNotice {
  const fields = readEnvelope(text, 'notice', FIELDS, WHAT, options);
  const worker = plainObject(fields.worker, `${WHAT} field "worker"`, new Set(['host', 'pid']));
  const workerBuild = fields.workerBuild === undefined ? undefined : stringField(fields, 'workerBuild', WHAT, 128);
  if (fields.run !== undefined && typeof fields.run !== 'string')
    throw new EnvelopeError(`${WHAT} field "run" must be a string`);
  return {
    executionId: stringField(fields, 'executionId', WHAT, 256),
    run: fields.run,
    taskBuild: stringField(fields, 'taskBuild', WHAT, 128),
    workerBuild,
    worker: { host: stringField(worker, 'host', WHAT, 256), pid: intField(worker, 'pid', WHAT, 0) },
  };
}
