import { LocalExecutionQueue } from '../adapters/local/local-execution-queue.js';
import type { ExecutionQueue } from '../streams/execution-queue.js';
import { resourceLimits as parseLimits } from './option-parsers.js';
import { namesSqsQueue, sqsOptionsFrom, type SqsFlags } from './sqs-flags.js';
import { UsageError } from './usage-error.js';

/** The queue flags of `mazepa run`: those of an SQS queue, and those of this process. @internal */
export interface QueueFlags extends SqsFlags {
  readonly concurrency: number;
  readonly resourceLimit?: readonly string[];
  /** Local queue only: refuse tasks that could not run remotely. */
  readonly strict?: boolean;
}

// A variable specifier: the SQS adapter (and its AWS SDK) loads only when a queue is named.
const SQS_MODULE = '../sqs.js';

/** The queue `mazepa run` sends tasks to: SQS when a queue is named, else this process. @internal */
export async function makeQueue(flags: QueueFlags): Promise<ExecutionQueue> {
  const resourceLimits = parseLimits(flags.resourceLimit);
  const sqsQueue = namesSqsQueue(flags);
  if (flags.maxOutageMs !== undefined && !sqsQueue) {
    throw new UsageError('--max-outage-ms applies to an SQS queue: give --queue-name (or --queue-url) too');
  }
  if (flags.payloadBucket !== undefined && !sqsQueue) {
    throw new UsageError('--payload-bucket applies to an SQS queue: give --queue-name or --queue-url too');
  }
  if (!sqsQueue) {
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
  const options = sqsOptionsFrom(flags);
  let sqs: Partial<typeof import('../sqs.js')>;
  try {
    sqs = (await import(SQS_MODULE)) as typeof sqs;
  } catch (error) {
    throw new UsageError(`--queue-name: the SQS adapter could not be loaded: ${(error as Error).message}`);
  }
  if (sqs.SqsExecutionQueue === undefined) throw new UsageError('--queue-name: this mazepa has no SqsExecutionQueue');
  try {
    return new sqs.SqsExecutionQueue(options);
  } catch (error) {
    throw new UsageError(`--queue-name: ${(error as Error).message}`);
  }
}
