import type { SqsExecutionQueueOptions } from '../adapters/sqs/orchestrator/sqs-options.js';
import { UsageError } from './usage-error.js';

/** The SQS queue flags of `mazepa run` and `mazepa worker`, as commander parses them. @internal */
export interface SqsFlags {
  readonly queueName?: string;
  readonly queueUrl?: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly visibilityTimeout?: number;
  /** Seconds a long poll waits for a message (`--wait-time`, 0 to 20). */
  readonly waitTime?: number;
  readonly signingKeyEnv?: string;
  readonly payloadBucket?: string;
  readonly maxOutageMs?: number;
  /** The build of this side's code (`--build-id`; default `MAZEPA_BUILD_ID`). */
  readonly buildId?: string;
  /** `mazepa run` only. */
  readonly resumeEmpty?: number;
  /** `mazepa run` only. */
  readonly resumeWait?: number;
}

/**
 * The options of the `SqsExecutionQueue` the flags describe; the signing key is read from the
 * environment variable `--signing-key-env` names (a {@link UsageError} when it is not set).
 * The queue checks the values.
 *
 * @internal
 */
export function sqsOptionsFrom(flags: SqsFlags): SqsExecutionQueueOptions {
  const { queueName, queueUrl, region, endpoint, payloadBucket, maxOutageMs } = flags;
  return {
    ...(queueName === undefined ? {} : { queueName }),
    ...(queueUrl === undefined ? {} : { queueUrl }),
    ...(region === undefined ? {} : { region }),
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(payloadBucket === undefined ? {} : { payloadBucket }),
    ...(maxOutageMs === undefined ? {} : { maxOutageMs }),
    ...(flags.buildId === undefined ? {} : { buildId: flags.buildId }),
    ...(flags.visibilityTimeout === undefined ? {} : { visibilityTimeoutSec: flags.visibilityTimeout }),
    ...(flags.waitTime === undefined ? {} : { waitTimeSeconds: flags.waitTime }),
    ...(flags.resumeEmpty === undefined ? {} : { resumeEmptySec: flags.resumeEmpty }),
    ...(flags.resumeWait === undefined ? {} : { resumeWaitSec: flags.resumeWait }),
    ...(flags.signingKeyEnv === undefined ? {} : { signingKey: signingKeyFrom(flags.signingKeyEnv) }),
  };
}

/** The signing key in the environment variable `name`. */
function signingKeyFrom(name: string): string {
  const key = process.env[name];
  if (!key) throw new UsageError(`--signing-key-env: the environment variable ${name} is not set`);
  return key;
}

/** Whether the flags name an SQS queue. @internal */
export function namesSqsQueue(flags: SqsFlags): boolean {
  return flags.queueName !== undefined || flags.queueUrl !== undefined;
}
