import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, Option } from 'commander';
import type { SqsExecutionQueueOptions } from '../adapters/sqs/orchestrator/sqs-options.js';
import type { WorkerEvent } from '../adapters/sqs/worker/worker-options.js';
import { EXIT } from './exit-codes.js';
import { count, outageMs, resourceLimits as parseLimits, seconds, whole } from './option-parsers.js';
import { namesSqsQueue, sqsOptionsFrom, type SqsFlags } from './sqs-flags.js';
import { registeredOperationNames } from '../flows/registry.js';
import { describeOperations, formatWorkerEvent, stampLine } from './worker-events.js';
import { superviseWorkers } from './worker-fleet.js';
import { createWorkerStatus } from './worker-status.js';

/** The flags of `mazepa worker`, as commander parses them: its queue's, and its own. @internal */
export interface WorkerFlags extends SqsFlags {
  readonly import?: readonly string[];
  readonly concurrency: number;
  readonly maxRuntime?: number;
  readonly idleTimeout?: number;
  readonly verbose?: boolean;
  readonly resourceLimit?: readonly string[];
  readonly processes?: number;
  readonly maxRestarts?: number;
  readonly spanParent?: 'link' | 'parent';
}

/**
 * The `mazepa worker` command: imports the modules that define the operations, then runs tasks
 * from an SQS queue until stopped. SIGTERM or SIGINT: take no new tasks, finish the running
 * ones, exit 0; a second signal exits at once (130 for SIGINT, 143 for SIGTERM). Exit codes
 * ({@link EXIT}): 0 stopped, 1 failed, 2 bad usage.
 *
 * @example
 * ```sh
 * mazepa worker --queue-name mazepa-tasks --import ./ops.js --concurrency 4
 * ```
 * @internal the `mazepa` bin registers it
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
    .option(
      '--wait-time <seconds>',
      'seconds a long poll waits for tasks, 0 to 20 (default 20); a stopping worker lets its last poll end, so this bounds how long stopping an idle worker takes',
      count,
    )
    .option('--signing-key-env <name>', 'the environment variable holding the HMAC signing key')
    .option('--resource-limit <name=n...>', 'at most n units of the resource in use at once here (e.g. gpu=1)')
    .option(
      '--max-outage-ms <ms>',
      'how long SQS calls may fail with transient errors (retried meanwhile) before the worker exits (default: 300000)',
      outageMs,
    )
    .option('--payload-bucket <bucket>', 'the S3 bucket for arguments and results too big for a message')
    .option('--build-id <id>', "this worker's build: it runs only tasks of that build (default: MAZEPA_BUILD_ID)")
    .addOption(
      new Option(
        '--span-parent <how>',
        "with an OpenTelemetry SDK registered (e.g. by an --import module): 'link' each task's span to the run's send span (a trace per task), or make it its child ('parent': one trace per run)",
      ).choices(['link', 'parent']),
    )
    .option('--verbose', 'print a line per task')
    .option(
      '--processes <n>',
      'run n worker processes with these options and keep them running (one that dies is restarted)',
      whole,
    )
    .option('--max-restarts <n>', 'with --processes: restarts of one process in a row before it is given up', count, 5)
    .showHelpAfterError()
    .action(async (flags: WorkerFlags) => {
      process.exitCode =
        flags.processes === undefined ? await workerAction(flags) : await fleetAction(flags, process.argv);
    });
}

/** What the flags of `mazepa worker` (one process or a fleet) lack, if anything. */
function usageProblem(flags: WorkerFlags): string | undefined {
  if (!namesSqsQueue(flags)) return 'give --queue-name (or --queue-url)';
  if (flags.import === undefined || flags.import.length === 0) {
    return 'give --import with the module(s) that define the operations to run';
  }
  return undefined;
}

/**
 * Runs `mazepa worker --processes N`: N worker processes with the same flags, supervised (see
 * {@link superviseWorkers}); SIGTERM or SIGINT stops them all (again: at once). Returns the exit code.
 *
 * @internal
 */
export async function fleetAction(
  flags: WorkerFlags,
  argv: readonly string[],
  log: (line: string) => void = (line) => stderrLine(stampLine(line)),
): Promise<number> {
  const problem = usageProblem(flags);
  if (problem !== undefined) {
    log(`mazepa worker: ${problem}`);
    return EXIT.usage;
  }
  const script = argv[1];
  const at = argv.indexOf('worker', 2);
  if (script === undefined || at < 0) {
    log('mazepa worker: --processes: cannot tell how this command was started');
    return EXIT.usage;
  }
  const command = [process.execPath, ...process.execArgv, script, 'worker', ...withoutFleetFlags(argv.slice(at + 1))];
  const fleet = superviseWorkers({
    processes: flags.processes ?? 1,
    command,
    log,
    forward: (stream, line) => (stream === 'stdout' ? process.stdout : process.stderr).write(`${line}\n`),
    ...(flags.maxRestarts === undefined ? {} : { maxRestarts: flags.maxRestarts }),
  });
  const onSignal = (): void => fleet.stop();
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    return await fleet.exited;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

/** The worker's arguments without the supervisor's own flags. */
function withoutFleetFlags(args: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--processes' || arg === '--max-restarts') i++;
    else if (!arg.startsWith('--processes=') && !arg.startsWith('--max-restarts=')) kept.push(arg);
  }
  return kept;
}

/** Runs `mazepa worker` and returns its exit code. @internal */
export async function workerAction(
  flags: WorkerFlags,
  log: (line: string) => void = (line) => stderrLine(stampLine(line)),
): Promise<number> {
  const problem = usageProblem(flags);
  if (problem !== undefined) {
    log(`mazepa worker: ${problem}`);
    return EXIT.usage;
  }
  let resourceLimits: Record<string, number> | undefined;
  let options: SqsExecutionQueueOptions;
  try {
    resourceLimits = parseLimits(flags.resourceLimit);
    options = sqsOptionsFrom(flags);
  } catch (error) {
    log(`mazepa worker: ${(error as Error).message}`);
    return EXIT.usage;
  }
  for (const spec of flags.import ?? []) {
    try {
      await import(/^\.{0,2}[\\/]/.test(spec) ? pathToFileURL(resolve(spec)).href : spec);
    } catch (error) {
      log(
        `mazepa worker: --import ${spec} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      return EXIT.usage;
    }
  }
  log(describeOperations(registeredOperationNames()));
  const { SqsExecutionQueue, runWorker } = await import('../sqs.js');
  let queue: InstanceType<typeof SqsExecutionQueue>;
  try {
    queue = new SqsExecutionQueue(options);
  } catch (error) {
    log(`mazepa worker: ${(error as Error).message}`);
    return EXIT.usage;
  }
  const stop = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++signals > 1) {
      log(`mazepa worker: ${signal} again, exiting now`);
      process.exit(signal === 'SIGINT' ? EXIT.interrupted : EXIT.terminated);
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
      ...(flags.spanParent === undefined ? {} : { spanParent: flags.spanParent }),
      signal: stop.signal,
      onEvent: (event: WorkerEvent) => {
        status.add(event);
        const line = formatWorkerEvent(event, flags.verbose === true);
        if (line !== undefined) log(line);
      },
    });
    return EXIT.done;
  } catch (error) {
    log(`mazepa worker: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.failed;
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
