import { inspect } from 'node:util';
import { Command, InvalidArgumentError } from 'commander';
import { execute, type ExecutionTarget } from '../execute.js';
import { MazepaCancelledError, MazepaExecutionFailure } from '../flows/errors.js';
import { CheckpointError } from '../streams/checkpoint/checkpoint-error.js';
import { dryRun } from '../streams/engine/dry-run.js';
import type { ExecutionQueue } from '../streams/execution-queue.js';
import { loadTarget, parseArgs } from './load-target.js';
import { EXIT } from './exit-codes.js';
import { makeQueue, type QueueFlags } from './make-queue.js';
import { outageMs, timerSeconds, whole } from './option-parsers.js';
import { UsageError } from './usage-error.js';
import { asBlock, oneLine } from './escape-text.js';

/** The flags of `mazepa run`, as commander parses them. @internal */
export interface RunFlags extends QueueFlags {
  readonly export: string;
  readonly args?: string;
  readonly checkpoint?: string;
  readonly checkpointInterval?: number;
  readonly progress: boolean;
  readonly estimateTotals?: boolean;
  readonly dryRun?: boolean;
  readonly printResult?: boolean;
  /** `true` (any free port) or the port, from `--dashboard[=PORT]`. */
  readonly dashboard?: boolean | number;
}

/**
 * The `mazepa run` command: loads a module, takes an exported flow (or flow schema, or function
 * returning a flow) and runs it, in this process or on SQS. Exit codes: 0 done, 1 a task (or
 * flow) failed, 2 bad usage (also a refused checkpoint), 130 interrupted or cancelled (after the checkpoint
 * was written). `--print-result` prints what the root returned on stdout (JSON when it can be).
 *
 * @example
 * ```sh
 * mazepa run ./pipeline.js --export segment --args '["gs://bucket/vol", 64]' --checkpoint seg.ckpt
 * ```
 * @internal the `mazepa` bin registers it
 */
export function runCommand(): Command {
  return new Command('run')
    .description('run a flow exported by a module, with progress bars and an optional checkpoint')
    .argument('<module>', 'the module that exports the flow (JS, or TS where this Node can load it)')
    .option('--export <name>', 'the export to run: a Flow, a flow schema, or a function returning a flow', 'default')
    .option('--args <json>', 'a JSON array of arguments for the flow schema or function')
    .option('--checkpoint <file>', 'record completed tasks in this file, and skip those it holds already')
    .option(
      '--checkpoint-interval <seconds>',
      'seconds between flushes of the checkpoint to disk (default: 60)',
      timerSeconds,
    )
    .option('--queue-name <name>', 'run the tasks on this SQS queue (workers: mazepa worker) instead of here')
    .option('--queue-url <url>', 'the SQS queue URL (instead of looking it up by name)')
    .option('--region <region>', 'the AWS region of the queue (default: AWS_REGION)')
    .option('--endpoint <url>', 'the SQS endpoint (default: AWS_ENDPOINT_URL_SQS)')
    .option('--visibility-timeout <seconds>', 'seconds a received task stays hidden (workers extend it)', whole)
    .option(
      '--resume-empty <seconds>',
      'on a rerun that re-attached: push again the earlier tasks still without outcome once the task queue was empty this long (default: 60)',
      whole,
    )
    .option(
      '--resume-wait <seconds>',
      'on a rerun that re-attached: push them again after this long whatever the task queue holds (default: 3600)',
      whole,
    )
    .option('--signing-key-env <name>', 'the environment variable holding the HMAC signing key of the queue')
    .option(
      '--max-outage-ms <ms>',
      'how long SQS calls may fail with transient errors (retried meanwhile) before the run fails (default: 300000)',
      outageMs,
    )
    .option('--payload-bucket <bucket>', 'the S3 bucket for arguments and results too big for a message')
    .option(
      '--build-id <id>',
      "this code's build: workers of another build do not run its tasks (default: MAZEPA_BUILD_ID)",
    )
    .option('--concurrency <n>', 'tasks run at once in this process (async ones overlap)', whole, 1)
    .option('--resource-limit <name=n...>', 'at most n tasks using the resource run at once here (e.g. gpu=1)')
    .option('--strict', 'refuse tasks (and results) that could not run on threads or SQS workers, as they would')
    .option('--no-progress', 'no progress bars (or lines, when stderr is not a terminal)')
    .option('--estimate-totals', 'dry-run the flows first so the progress bars have totals')
    .option('--dry-run', 'count the tasks per operation without running them, and exit')
    .option(
      '--dashboard [port]',
      'serve a live page of the run on 127.0.0.1 (any free port, or this one) and print its URL',
      dashboardPort,
    )
    .option(
      '--print-result',
      'print what the flow returned on stdout (JSON when it can be; the summary goes to stderr)',
    )
    .showHelpAfterError()
    .action(async (modulePath: string, flags: RunFlags) => {
      process.exitCode = await runAction(modulePath, flags);
    });
}

/** Runs `mazepa run` and returns its exit code. @internal */
export async function runAction(modulePath: string, flags: RunFlags): Promise<number> {
  let target: ExecutionTarget;
  let queue: ExecutionQueue | undefined;
  try {
    target = await loadTarget(modulePath, flags.export, parseArgs(flags.args));
    if (flags.dryRun === true) {
      printCounts(await dryRun(target));
      return EXIT.done;
    }
    queue = await makeQueue(flags);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`mazepa run: ${error.message}\n`);
    return EXIT.usage;
  }
  const controller = new AbortController();
  let interrupted: string | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted !== undefined) process.exit(EXIT.interrupted); // a second Ctrl-C: at once
    interrupted = signal;
    process.stderr.write(`\nmazepa run: ${signal}: stopping${flags.checkpoint ? ' and writing the checkpoint' : ''}\n`);
    controller.abort(new Error(`Interrupted by ${signal}`));
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  try {
    const summary = await execute(target, {
      queue,
      signal: controller.signal,
      showProgress: flags.progress,
      estimateTotals: flags.estimateTotals === true,
      ...(typeof flags.dashboard === 'number' ? { dashboard: { port: flags.dashboard } } : {}),
      ...(flags.dashboard === true ? { dashboard: true } : {}),
      ...(flags.checkpoint === undefined ? {} : { checkpoint: flags.checkpoint }),
      ...(flags.checkpointInterval === undefined ? {} : { checkpointIntervalMs: flags.checkpointInterval * 1000 }),
    });
    // With --print-result, stdout holds only the result, so that it can be piped (to jq, say).
    (flags.printResult === true ? process.stderr : process.stdout).write(
      `mazepa run: done in ${(summary.durationMs / 1000).toFixed(1)} s: ${summary.succeeded} succeeded, ` +
        `${summary.failed} failed, ${flags.checkpoint === undefined ? '' : `${summary.skipped} skipped (from the checkpoint), `}` +
        `${summary.retried} retried\n`,
    );
    if (flags.printResult === true) process.stdout.write(`${formatResult(summary.result)}\n`);
    return EXIT.done;
  } catch (error) {
    if (interrupted !== undefined) {
      process.stderr.write(
        `mazepa run: interrupted by ${interrupted}${flags.checkpoint ? `; checkpoint written to ${flags.checkpoint}` : ''}\n`,
      );
      return EXIT.interrupted;
    }
    if (error instanceof MazepaCancelledError) {
      // Cancelled from outside (mazepa cancel): as an interrupted run.
      const written = flags.checkpoint ? `; checkpoint written to ${flags.checkpoint}` : '';
      process.stderr.write(`mazepa run: ${oneLine(error.message)}${written}\n`);
      return EXIT.interrupted;
    }
    if (error instanceof CheckpointError) {
      process.stderr.write(`mazepa run: ${error.message}\n`);
      // A refused file is the user's to move away (bad usage); a failed write is a failed run.
      return error.phase === 'load' ? EXIT.usage : EXIT.failed;
    }
    // Errors may come from workers' messages: escaped, they cannot forge lines or reach the terminal.
    process.stderr.write(`mazepa run: ${oneLine(String((error as Error).message))}\n`);
    const cause = (error as Error).cause;
    if (error instanceof MazepaExecutionFailure && cause instanceof Error && typeof cause.stack === 'string') {
      process.stderr.write(`${asBlock(cause.stack)}\n`);
    } else {
      // Say why, e.g. which SQS call failed on which queue, for how long.
      let said = (error as Error).message;
      for (let c = cause, depth = 0; c instanceof Error && depth < 5; c = c.cause, depth++) {
        if (!said.includes(c.message)) process.stderr.write(`  because: ${oneLine(String(c.message))}\n`);
        said = c.message;
      }
    }
    return EXIT.failed;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    await queue.close?.();
  }
}

function printCounts(counts: Awaited<ReturnType<typeof dryRun>>): void {
  const rows = [...Object.entries(counts.operations), ['total', counts.total] as const];
  const width = Math.max(9, ...rows.map(([name]) => name.length));
  const lines = [`${'operation'.padEnd(width)}  tasks`, ...rows.map(([name, n]) => `${name.padEnd(width)}  ${n}`)];
  for (const stop of counts.partial) {
    lines.push(
      `partial: flow '${stop.flowName}' (${stop.flowId}) threw ${stop.error.name}: ${stop.error.message}; ` +
        'its count ends there (task results are undefined in a dry run)',
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** A result as JSON when JSON says all of it, else as `util.inspect` shows it. @internal */
export function formatResult(value: unknown): string {
  return isJsonValue(value, new Set()) ? JSON.stringify(value, null, 2) : inspect(value, { depth: 8 });
}

function isJsonValue(value: unknown, ancestors: Set<object>): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || ancestors.has(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return false;
  ancestors.add(value);
  const ok = Object.values(value).every((item) => isJsonValue(item, ancestors));
  ancestors.delete(value);
  return ok;
}

/** The port of `--dashboard=PORT`. */
function dashboardPort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new InvalidArgumentError(`--dashboard: '${value}' is not a port (0 to 65535)`);
  }
  return port;
}
