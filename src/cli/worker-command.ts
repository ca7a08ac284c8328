import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import type { WorkerEvent } from '../adapters/sqs/worker/worker-options.js';
import { parseLimits, parseOutageMs } from './make-queue.js';
import { registeredOperationNames } from '../flows/registry.js';
import { describeOperations, formatWorkerEvent, stampLine } from './worker-events.js';
import { createWorkerStatus } from './worker-status.js';

/** The flags of `mazepa worker`, as commander parses them. @internal */
export interface WorkerFlags {
  readonly queueName?: string;
  readonly queueUrl?: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly import?: readonly string[];
  readonly concurrency: number;
  readonly maxRuntime?: number;
  readonly idleTimeout?: number;
  readonly visibilityTimeout?: number;
  readonly signingKeyEnv?: string;
  readonly payloadBucket?: string;
  readonly verbose?: boolean;
  readonly resourceLimit?: readonly string[];
  readonly maxOutageMs?: number;
}

/**
 * The `mazepa worker` command: imports the modules that define the operations, then runs tasks
 * from an SQS queue until stopped. SIGTERM or SIGINT: take no new tasks, finish the running
 * ones, exit 0; a second signal exits at once. Exit codes: 0 stopped, 1 failed, 2 bad usage.
 *
 * @example
 * ```ts
 * import { Command } from 'commander';
 * import { workerCommand } from 'mazepa/cli/worker-command';
 * await new Command('mazepa').addCommand(workerCommand()).parseAsync();
 * // mazepa worker --queue-name mazepa-tasks --import ./ops.js --concurrency 4
 * ```
 */
export function workerCommand(): Command {
  return new Command('worker')
    .description('run tasks from an SQS queue until stopped (SIGTERM: finish running tasks, exit 0)')
    .option('--queue-name <name>', 'the task queue (created with its dead-letter queue if missing)')
    .option('--queue-url <url>', 'the task queue URL (instead of looking it up by name)')
    .option('--region <region>', 'the AWS region (default: AWS_REGION)')
    .option('--endpoint <url>', 'the SQS endpoint (default: AWS_ENDPOINT_URL_SQS)')
    .option('--import <module...>', 'modules that define the operations to run (repeatable)')
    .option('--concurrency <n>', 'tasks run at once', whole, 1)
    .option('--max-runtime <seconds>', 'stop taking tasks after this many seconds', seconds)
    .option('--idle-timeout <seconds>', 'stop after this many seconds without a task', seconds)
    .option('--visibility-timeout <seconds>', 'seconds a received task stays hidden (heartbeats extend it)', whole)
    .option('--signing-key-env <name>', 'the environment variable holding the HMAC signing key')
    .option('--resource-limit <name=n...>', 'at most n units of the resource in use at once here (e.g. gpu=1)')
    .option(
      '--max-outage-ms <ms>',
      'how long SQS calls may fail with transient errors (retried meanwhile) before the worker exits (default: 300000)',
      parseOutageMs,
    )
    .option('--payload-bucket <bucket>', 'the S3 bucket for arguments and results too big for a message')
    .option('--verbose', 'print a line per task')
    .showHelpAfterError()
    .action(async (flags: WorkerFlags) => {
      process.exitCode = await workerAction(flags);
    });
}

/** Runs `mazepa worker` and returns its exit code. @internal */
export async function workerAction(
  flags: WorkerFlags,
  log: (line: string) => void = (line) => stderrLine(stampLine(line)),
): Promise<number> {
  if (flags.queueName === undefined && flags.queueUrl === undefined) {
    log('mazepa worker: give --queue-name (or --queue-url)');
    return 2;
  }
  if (flags.import === undefined || flags.import.length === 0) {
    log('mazepa worker: give --import with the module(s) that define the operations to run');
    return 2;
  }
  let resourceLimits: Record<string, number> | undefined;
  try {
    resourceLimits = parseLimits(flags.resourceLimit);
  } catch (error) {
    log(`mazepa worker: ${(error as Error).message}`);
    return 2;
  }
  let signingKey: string | undefined;
  if (flags.signingKeyEnv !== undefined) {
    signingKey = process.env[flags.signingKeyEnv];
    if (!signingKey) {
      log(`mazepa worker: --signing-key-env: the environment variable ${flags.signingKeyEnv} is not set`);
      return 2;
    }
  }
  for (const spec of flags.import) {
    try {
      await import(/^\.{0,2}[\\/]/.test(spec) ? pathToFileURL(resolve(spec)).href : spec);
    } catch (error) {
      log(
        `mazepa worker: --import ${spec} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      return 2;
    }
  }
  log(describeOperations(registeredOperationNames()));
  const { SqsExecutionQueue, runWorker } = await import('../sqs.js');
  let queue: InstanceType<typeof SqsExecutionQueue>;
  try {
    queue = new SqsExecutionQueue({
      ...(flags.queueName === undefined ? {} : { queueName: flags.queueName }),
      ...(flags.queueUrl === undefined ? {} : { queueUrl: flags.queueUrl }),
      ...(flags.region === undefined ? {} : { region: flags.region }),
      ...(flags.endpoint === undefined ? {} : { endpoint: flags.endpoint }),
      ...(flags.visibilityTimeout === undefined ? {} : { visibilityTimeoutSec: flags.visibilityTimeout }),
      ...(signingKey === undefined ? {} : { signingKey }),
      ...(flags.maxOutageMs === undefined ? {} : { maxOutageMs: flags.maxOutageMs }),
      ...(flags.payloadBucket === undefined ? {} : { payloadBucket: flags.payloadBucket }),
    });
  } catch (error) {
    log(`mazepa worker: ${(error as Error).message}`);
    return 2;
  }
  const stop = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++signals > 1) {
      log(`mazepa worker: ${signal} again, exiting now`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    log(`mazepa worker: ${signal}: finishing the running tasks (${signal} again to exit at once)`);
    stop.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const status = createWorkerStatus({ log });
  try {
    await runWorker({
      queue,
      concurrency: flags.concurrency,
      ...(resourceLimits === undefined ? {} : { resourceLimits }),
      ...(flags.maxRuntime === undefined ? {} : { maxRuntimeMs: flags.maxRuntime * 1000 }),
      ...(flags.idleTimeout === undefined ? {} : { idleTimeoutMs: flags.idleTimeout * 1000 }),
      signal: stop.signal,
      onEvent: (event: WorkerEvent) => {
        status.add(event);
        const line = formatWorkerEvent(event, flags.verbose === true);
        if (line !== undefined) log(line);
      },
    });
    return 0;
  } catch (error) {
    log(`mazepa worker: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    status.stop();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await queue.close();
  }
}

function stderrLine(line: string): void {
  process.stderr.write(`${line}\n`);
}

function whole(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number >= 1');
  return n;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number of seconds >= 0');
  return n;
}
