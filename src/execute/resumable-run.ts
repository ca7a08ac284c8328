import { Subject, defer, finalize, from, map, of, switchMap, type Observable, type SchedulerLike } from 'rxjs';
import type { Flow } from '../flows/flow.js';
import type { Task, TaskOutcome } from '../flows/task.js';
import { loadCheckpoint } from '../streams/checkpoint/checkpoint-file.js';
import { checkCheckpointFolder } from '../streams/checkpoint/checkpoint-folder.js';
import type { ParsedCheckpoint } from '../streams/checkpoint/checkpoint-format.js';
import { ID_SCHEMES_FIELD, checkpointIds } from '../streams/checkpoint/checkpoint-id-schemes.js';
import { takeCheckpointLock, type CheckpointLock } from '../streams/checkpoint/checkpoint-lock.js';
import { checkpointing } from '../streams/checkpoint/checkpointing.js';
import type { ExecutionEvent } from '../streams/execution-event.js';
import type { ResolvedOptions } from '../streams/execute-options.js';
import type { ExecutionQueue } from '../streams/execution-queue.js';
import type { QueueAttachment } from '../streams/queue-attachment.js';
import { runExecution, type CountsProbe } from '../streams/run-execution.js';

/**
 * @internal A run with a checkpoint: the file is loaded first (its tasks are skipped), completed
 * tasks are journaled to it as the run goes, and a cancelled run (its signal aborted) ends after
 * a last write. A queue that can re-attach goes on with the run the file recorded.
 */
export function resumable(
  root: Flow<unknown>,
  resolved: ResolvedOptions,
  queue: ExecutionQueue,
  scheduler: SchedulerLike | undefined,
  probe: CountsProbe | undefined,
): Observable<ExecutionEvent> {
  const path = resolved.checkpoint!;
  let lock: CheckpointLock | undefined;
  return defer(() =>
    from(
      checkCheckpointFolder(path).then(() => {
        // Before the file is read or any queue attached to: a live run's checkpoint is refused.
        lock = takeCheckpointLock(path, resolved.executionId);
        return loadCheckpoint(path);
      }),
    ),
  ).pipe(
    switchMap((loaded) => {
      // Before any queue is attached to: a file whose ids cannot be matched is refused first.
      const ids = checkpointIds(path, loaded);
      return attachTo(queue, resolved.executionId, loaded).pipe(map((a) => [loaded, a, ids] as const));
    }),
    switchMap(([loaded, attachment, ids]) => {
      const completed = merged(resolved.completed, loaded.completed);
      const executionId = attachment?.executionId ?? resolved.executionId;
      lock?.update(executionId);
      // Pushed tasks of a run this one does not go on with are nobody's: the file forgets them.
      const stale = attachment?.reattached !== true && loaded.pushed.size > 0;
      if (stale) loaded.log.forgetPushed();
      const pushes = attachment === undefined ? undefined : new Subject<readonly string[]>();
      const hooks = {
        ...(attachment?.reattached === true ? { adopted: loaded.pushed, lost: attachment.lost } : {}),
        ...(pushes === undefined ? {} : { pushing: (tasks: readonly Task[]) => pushes.next(pushedIds(tasks)) }),
        ...(ids.completedUnder === undefined ? {} : { completedUnder: ids.completedUnder }),
      };
      return runExecution(root, { ...resolved, executionId, completed }, queue, hooks, probe).pipe(
        checkpointing({
          path,
          intervalMs: resolved.checkpointIntervalMs,
          scheduler: resolved.scheduler,
          // A virtual-time scheduler given by the caller also batches the appends.
          ...(scheduler === undefined ? {} : { flushScheduler: scheduler }),
          loaded: stale ? { ...loaded, needsCompaction: true } : loaded,
          // `null` replaces what an earlier run with another queue recorded.
          meta: { queue: attachment?.record ?? null, [ID_SCHEMES_FIELD]: ids.schemes },
          ...(pushes === undefined ? {} : { pushes }),
        }),
      );
    }),
    finalize(() => lock?.release()),
  );
}

/** Asks a queue that can re-attach whether this run goes on with the checkpoint's. */
function attachTo(
  queue: ExecutionQueue,
  executionId: string,
  loaded: ParsedCheckpoint,
): Observable<QueueAttachment | undefined> {
  if (queue.attach === undefined) return of(undefined);
  const previousId = loaded.meta['executionId'];
  const record = loaded.meta['queue'];
  return defer(() =>
    queue.attach!(executionId, {
      executionId: typeof previousId === 'string' && previousId !== '' ? previousId : undefined,
      record: typeof record === 'object' && record !== null ? (record as Record<string, unknown>) : undefined,
      pushed: loaded.pushed,
    }),
  );
}

function pushedIds(tasks: readonly Task[]): string[] {
  return tasks.map((task) => task.id);
}

function merged(
  given: ReadonlyMap<string, TaskOutcome> | undefined,
  loaded: Map<string, TaskOutcome>,
): ReadonlyMap<string, TaskOutcome> {
  if (given !== undefined) for (const [id, outcome] of given) loaded.set(id, outcome);
  return loaded;
}
