import { Command, CommanderError } from 'commander';
import { cancelCommand } from './cancel-command.js';
import { EXIT } from './exit-codes.js';
import { queuesCommand } from './queues-command.js';
import { runCommand } from './run-command.js';
import { workerCommand } from './worker-command.js';

/**
 * The `mazepa` command line: `mazepa run`, `mazepa worker`, `mazepa queues` and `mazepa cancel`. Errors in the command line
 * itself exit with code 2; `--help` exits with 0.
 *
 * @internal the bin is `dist/cli/main.js`
 */
export function mazepaProgram(): Command {
  const program = new Command('mazepa')
    .description('mazepa: run task flows in this process, or on workers through SQS')
    .showHelpAfterError()
    .addCommand(runCommand())
    .addCommand(workerCommand())
    .addCommand(queuesCommand())
    .addCommand(cancelCommand());
  for (const command of [program, ...program.commands]) command.exitOverride();
  return program;
}

/** Runs the command line in `argv` (as `process.argv`) and returns the exit code. @internal */
export async function runMazepa(argv: readonly string[]): Promise<number> {
  process.exitCode = undefined;
  try {
    await mazepaProgram().parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.done : EXIT.usage;
    throw error;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : EXIT.done;
}
