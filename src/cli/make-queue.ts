import { InvalidArgumentError } from 'commander';
import { LocalExecutionQueue } from '../adapters/local/local-execution-queue.js';
import type { ExecutionQueue } from '../streams/execution-queue.js';
import { UsageError } from './usage-error.js';

/** The queue flags shared by `mazepa run` (and, for SQS, `mazepa worker`). @internal */
export interface QueueFlags {
  readonly queueName?: string;
  readonly queueUrl?: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly visibilityTimeout?: number;
  readonly resumeEmpty?: number;
  readonly resumeWait?: number;
  readonly signingKeyEnv?: string;
  readonly payloadBucket?: string;
  readonly buildId?: string;
  readonly concurrency: number;
  readonly resourceLimit?: readonly string[];
  readonly maxOutageMs?: number;
  /** Local queue only: refuse tasks that could not run remotely. */
  readonly strict?: boolean;
}

// A variable specifier: the SQS adapter (and its AWS SDK) loads only when a queue is named.
const SQS_MODULE = '../sqs.js';

/** The queue `mazepa run` sends tasks to: SQS when a queue is named, else this process. @internal */
export async function makeQueue(flags: QueueFlags): Promise<ExecutionQueue> {
  const resourceLimits = parseLimits(flags.resourceLimit);
  if (flags.maxOutageMs !== undefined && flags.queueName === undefined && flags.queueUrl === undefined) {
    throw new UsageError('--max-outage-ms applies to an SQS queue: give --queue-name (or --queue-url) too');
  }
  if (flags.payloadBucket !== undefined && flags.queueName === undefined && flags.queueUrl === undefined) {
    throw new UsageError('--payload-bucket applies to an SQS queue: give --queue-name or --queue-url too');
  }
  if (flags.queueName === undefined && flags.queueUrl === undefined) {
    return new LocalExecutionQueue({
      concurrency: flags.concurrency,
      strict: flags.strict === true,
      ...(resourceLimits ? { resourceLimits } : {}),
    });
  }
  if (resourceLimits !== undefined) {
    throw new UsageError(
      '--resource-limit applies to tasks run in this process; for an SQS queue, give it to the workers (mazepa worker --resource-limit gpu=1)',
    );
  }
  let sqs: { SqsExecutionQueue?: new (options: Record<string, unknown>) => ExecutionQueue };
  try {
    sqs = (await import(SQS_MODULE)) as typeof sqs;
  } catch (error) {
    throw new UsageError(`--queue-name: the SQS adapter could not be loaded: ${(error as Error).message}`);
  }
  if (sqs.SqsExecutionQueue === undefined) throw new UsageError('--queue-name: this mazepa has no SqsExecutionQueue');
  const options: Record<string, unknown> = {};
  for (const key of ['queueName', 'queueUrl', 'region', 'endpoint', 'payloadBucket', 'buildId'] as const) {
    if (flags[key] !== undefined) options[key] = flags[key];
  }
  if (flags.visibilityTimeout !== undefined) options['visibilityTimeoutSec'] = flags.visibilityTimeout;
  if (flags.maxOutageMs !== undefined) options['maxOutageMs'] = flags.maxOutageMs;
  if (flags.resumeEmpty !== undefined) options['resumeEmptySec'] = flags.resumeEmpty;
  if (flags.resumeWait !== undefined) options['resumeWaitSec'] = flags.resumeWait;
  if (flags.signingKeyEnv !== undefined) {
    const key = process.env[flags.signingKeyEnv];
    if (!key) throw new UsageError(`--signing-key-env: the environment variable ${flags.signingKeyEnv} is not set`);
    options['signingKey'] = key;
  }
  try {
    return new sqs.SqsExecutionQueue(options);
  } catch (error) {
    throw new UsageError(`--queue-name: ${(error as Error).message}`);
  }
}

/** Parses `--resource-limit gpu=2 io=8`. @internal */
export function parseLimits(specs: readonly string[] | undefined): Record<string, number> | undefined {
  if (specs === undefined || specs.length === 0) return undefined;
  const limits: Record<string, number> = {};
  for (const spec of specs) {
    const match = /^([A-Za-z0-9_.-]+)=(\d+)$/.exec(spec);
    if (match === null || Number(match[2]) < 1) {
      throw new UsageError(
        `--resource-limit must be NAME=N with N >= 1 (e.g. gpu=2), received ${JSON.stringify(spec)}`,
      );
    }
    limits[match[1]!] = Number(match[2]);
  }
  return limits;
}

/** Parses `--max-outage-ms`: milliseconds >= 0, or `Infinity`. @internal */
export function parseOutageMs(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0)) {
    throw new InvalidArgumentError('must be a number of milliseconds >= 0 (Infinity: never give up)');
  }
  return n;
}
