import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { TaskOutcome } from '../../flows/task.js';
import { runAttempt } from '../run-task.js';
import type { PreparedTask } from './prepare-task.js';

/**
 * Runs one attempt of a prepared task in this process, in its task context, with its runtime
 * limit. Resolves to the outcome (a failed one for errors and timeouts); never rejects.
 * `cancel` aborts the attempt (its task context's signal fires).
 *
 * @internal
 */
export function runPrepared(
  task: PreparedTask,
  cancel?: AbortSignal,
  scheduler: SchedulerLike = asyncScheduler,
): Promise<TaskOutcome> {
  const { envelope } = task;
  return new Promise<TaskOutcome>((resolve) => {
    const now = runAttempt(
      {
        id: envelope.taskId,
        attempt: envelope.attempt,
        runtimeLimitMs: task.runtimeLimitMs,
        fn: task.fn,
        args: task.args,
      },
      scheduler,
      resolve,
      cancel,
    );
    if (now !== undefined) resolve(now);
  });
}
