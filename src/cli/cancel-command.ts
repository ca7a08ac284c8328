import { Command } from 'commander';
import { oneLine } from './escape-text.js';
import { EXIT } from './exit-codes.js';

/** The flags of `mazepa cancel`, as commander parses them. @internal */
export interface CancelFlags {
  readonly queueName?: string;
  readonly executionId?: string;
  readonly region?: string;
  readonly endpoint?: string;
}

/**
 * The `mazepa cancel` command: ends a running execution from outside (see `cancelExecution`):
 * its outcome queue is deleted, so its orchestrator rejects with `MazepaCancelledError` and its
 * workers drop its tasks. Exit codes ({@link EXIT}): 0 cancelled, 1 no such execution has an
 * outcome queue on that task queue, or an SQS call failed, 2 bad usage.
 *
 * @example
 * ```sh
 * mazepa cancel --queue-name mazepa-tasks --execution-id nightly-2026-12-03
 * ```
 * @internal the `mazepa` bin registers it
 */
export function cancelCommand(): Command {
  return new Command('cancel')
    .description('end a running execution: its workers drop its tasks, its orchestrator rejects as cancelled')
    .option('--queue-name <name>', 'the task queue the execution runs on')
    .option('--execution-id <id>', 'the execution to end')
    .option('--region <region>', 'the AWS region (default: AWS_REGION)')
    .option('--endpoint <url>', 'the SQS endpoint (default: AWS_ENDPOINT_URL_SQS)')
    .showHelpAfterError()
    .action(async (flags: CancelFlags) => {
      process.exitCode = await cancelAction(flags);
    });
}

/** Runs `mazepa cancel` and returns its exit code. @internal */
export async function cancelAction(
  flags: CancelFlags,
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  err: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<number> {
  if (flags.queueName === undefined || flags.executionId === undefined) {
    err('mazepa cancel: give --queue-name (the task queue) and --execution-id');
    return EXIT.usage;
  }
  const { cancelExecution } = await import('../sqs.js');
  try {
    const deleted = await cancelExecution({
      queueName: flags.queueName,
      executionId: flags.executionId,
      ...(flags.region === undefined ? {} : { region: flags.region }),
      ...(flags.endpoint === undefined ? {} : { endpoint: flags.endpoint }),
    });
    const id = oneLine(flags.executionId);
    if (deleted.length === 0) {
      err(`mazepa cancel: execution ${id} has no outcome queue on ${flags.queueName}: it is not running there`);
      return EXIT.failed;
    }
    out(
      `cancelled execution ${id}: deleted its outcome queue(s) ${deleted.map((q) => q.name).join(', ')}; ` +
        'its workers drop its tasks, its orchestrator stops at its next receive',
    );
    return EXIT.done;
  } catch (error) {
    err(`mazepa cancel: ${error instanceof Error ? error.message : String(error)}`);
    return error instanceof TypeError ? EXIT.usage : EXIT.failed;
  }
}
