import { defer, from, switchMap, type Observable } from 'rxjs';
import { dryRun, type DryRunResult } from '../streams/engine/dry-run.js';
import type { ExecutionEvent } from '../streams/execution-event.js';
import type { ResolvedOptions } from '../streams/execute-options.js';
import type { ExecutionQueue } from '../streams/execution-queue.js';
import { renderProgress } from '../streams/progress/render-progress.js';
import { warnWhenStalled } from '../streams/progress/stall-warning.js';
import { depthOption, sendsTasksAway } from './queue-reach.js';
import type { ExecutionTarget } from './root-flow.js';

/**
 * @internal The run with its progress bars on stderr: the tasks in flight from a queue that can
 * tell, the totals from a dry run of `target` with `estimateTotals`, and a warning when a queue
 * that sends tasks away hears nothing back (no worker running, most often).
 */
export function withProgress(
  run: Observable<ExecutionEvent>,
  target: ExecutionTarget,
  queue: ExecutionQueue,
  { scheduler, estimateTotals }: Pick<ResolvedOptions, 'scheduler' | 'estimateTotals'>,
): Observable<ExecutionEvent> {
  const events = !sendsTasksAway(queue)
    ? run
    : warnWhenStalled(run, {
        queueName: queue.name,
        scheduler,
        // A queue may say where the tasks went (an SQS queue: its dead-letter queue).
        warn: (message) => {
          const hint = (queue as { stallHint?: () => Promise<string | undefined> }).stallHint?.();
          if (hint === undefined) return void process.stderr.write(`${message}\n`);
          void hint.then((h) => process.stderr.write(`${message}${h === undefined ? '' : `; ${h}`}\n`));
        },
      });
  const depth = depthOption(queue);
  if (!estimateTotals) return renderProgress(events, process.stderr, scheduler, depth);
  return defer(() => from(estimate(target))).pipe(
    switchMap((totals) =>
      renderProgress(events, process.stderr, scheduler, totals === undefined ? depth : { ...depth, totals }),
    ),
  );
}

/**
 * The totals for the progress bars, from a dry run; `undefined` (with a warning, and bars without
 * totals) when the dry run fails or stops early, which must never fail the real run.
 */
async function estimate(target: ExecutionTarget): Promise<DryRunResult['operations'] | undefined> {
  let counts: DryRunResult;
  try {
    counts = await dryRun(target);
  } catch (error) {
    process.stderr.write(`mazepa: estimateTotals: the dry run failed (${(error as Error).message}); no totals\n`);
    return undefined;
  }
  const stop = counts.partial[0];
  if (stop === undefined) return counts.operations;
  process.stderr.write(
    `mazepa: estimateTotals: flow '${stop.flowName}' threw in the dry run (${stop.error.message})` +
      `${counts.partial.length > 1 ? ` and ${counts.partial.length - 1} more` : ''}, so the counts are ` +
      'partial; progress without totals\n',
  );
  return undefined;
}
