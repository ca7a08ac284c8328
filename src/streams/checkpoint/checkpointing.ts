/**
 * The checkpoint room (`src/streams/checkpoint`): durable progress of an execution. This file
 * is its entry, the operator that journals an execution's events; `checkpoint-journal.ts`
 * appends to the file, `checkpoint-format.ts` is its format, `checkpoint-file.ts` and
 * `checkpoint-parse.ts` read it back, `checkpoint-folder.ts` checks before a run that it can be
 * written, `checkpoint-id-schemes.ts` reads ids of older schemes, and `checkpoint-error.ts` is
 * what a file that cannot be used throws. A rerun skips the tasks the checkpoint holds.
 *
 * @module
 */
import {
  Observable,
  asapScheduler,
  interval,
  type MonoTypeOperatorFunction,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import type { ParsedCheckpoint } from './checkpoint-format.js';
import { openJournal, type CheckpointJournal } from './checkpoint-journal.js';
import { checkpointWritten } from '../telemetry/checkpoint-telemetry.js';
import type { ExecutionEvent } from '../execution-event.js';

/** What {@link checkpointing} needs. @internal */
export interface CheckpointingConfig {
  readonly path: string;
  /** How often the journal is flushed to disk (fsync), and compacted when due. */
  readonly intervalMs: number;
  /** The scheduler of the interval. */
  readonly scheduler: SchedulerLike;
  /**
   * The scheduler on which the completions of one turn are appended together: one `write` per
   * turn of the event loop. @default asapScheduler (a microtask after the completions of this turn)
   */
  readonly flushScheduler?: SchedulerLike;
  /** The checkpoint as loaded (its log goes on recording). */
  readonly loaded: Pick<ParsedCheckpoint, 'log' | 'meta' | 'needsCompaction'>;
  /** Metadata this run records besides its execution id (replaces the loaded fields of those names). */
  readonly meta?: Readonly<Record<string, unknown>>;
  /**
   * Batches of task ids about to be pushed, recorded as `p` records (only for queues that can
   * re-attach): appended at once, before the push goes out, so a rerun never pushes a task again
   * that this run may have pushed.
   */
  readonly pushes?: Observable<readonly string[]>;
  /** @default openJournal (tests give a fake) */
  readonly open?: typeof openJournal;
}

/**
 * Journals every task that succeeds to the checkpoint file: its record is appended within the
 * turn of the event loop it completed in (a blocking `write`, no fsync), so a killed process
 * loses at most the completions of its last turn. The file is flushed to disk (fsync) every
 * `intervalMs` when something new completed, and at the end (before `execution_completed`), on
 * failure (before the error) and when unsubscribed before the end; each of these is followed
 * by a `checkpoint_written` event (but the last). Compaction (an atomic rewrite) happens on
 * open when the file needs it and at those flushes when it holds much that it would drop.
 *
 * @internal wired by `execute` for its `checkpoint` option
 */
export function checkpointing(config: CheckpointingConfig): MonoTypeOperatorFunction<ExecutionEvent> {
  const { path, intervalMs, scheduler, loaded } = config;
  const { log } = loaded;
  const flushScheduler = config.flushScheduler ?? asapScheduler;
  const open = config.open ?? openJournal;
  return (source) =>
    new Observable<ExecutionEvent>((subscriber) => {
      // Until this run starts, the file keeps the id of the run that wrote it.
      let executionId = typeof loaded.meta['executionId'] === 'string' ? loaded.meta['executionId'] : '';
      const meta = (): Record<string, unknown> => ({
        ...loaded.meta,
        ...config.meta,
        executionId,
        writtenAt: new Date(scheduler.now()).toISOString(),
      });
      let journal: CheckpointJournal;
      try {
        journal = open(path, log, loaded.needsCompaction, meta());
      } catch (error) {
        subscriber.error(error);
        return;
      }
      let finished = false;
      let warned = false;
      let flush: Subscription | undefined;
      let flushQueued = false;
      let synced = log.count;
      const queueFlush = (): void => {
        if (flushQueued) return;
        flushQueued = true;
        flush = flushScheduler.schedule(() => {
          flushQueued = false;
          if (!finished) guarded(() => journal.appendLogged());
        });
      };
      // A rerun must know every task this run may have pushed, so as not to push it again.
      const pushes = config.pushes?.subscribe((ids) => {
        if (finished) return;
        for (const id of ids) log.recordPushed(id);
        guarded(() => journal.appendLogged());
      });
      const written = (completed: number): ExecutionEvent => ({
        type: 'checkpoint_written',
        executionId,
        path,
        completed,
      });
      const fail = (error: unknown): void => {
        if (finished) return;
        finished = true;
        ticks.unsubscribe();
        try {
          journal.close(meta());
        } catch {
          // the error at hand says more
        }
        subscriber.error(error);
      };
      const guarded = (fn: () => void): void => {
        try {
          fn();
        } catch (error) {
          fail(error);
        }
      };
      // `process.exit()` in the middle of a run (a second Ctrl-C in the CLI) still appends this turn.
      const onExit = (): void => {
        if (finished) return;
        try {
          journal.appendLogged();
        } catch {
          // the process is going down
        }
      };
      process.on('exit', onExit);
      const ticks = interval(intervalMs, scheduler).subscribe(() => {
        if (finished) return;
        const started = performance.now();
        guarded(() => journal.sync(meta()));
        if (!finished) checkpointWritten(executionId, 'sync', (performance.now() - started) / 1000, log.count);
        if (!finished && log.count !== synced) {
          synced = log.count;
          subscriber.next(written(synced));
        }
      });
      /** The last flush, then `end` (which completes or errors the output). */
      const finish = (end: () => void, failure?: unknown): void => {
        if (finished) return;
        finished = true;
        ticks.unsubscribe();
        const started = performance.now();
        try {
          journal.close(meta());
        } catch (error) {
          if (failure === undefined) return subscriber.error(error);
          process.emitWarning(`mazepa: ${(error as Error).message}`);
          return end();
        }
        checkpointWritten(executionId, 'close', (performance.now() - started) / 1000, log.count);
        subscriber.next(written(log.count));
        end();
      };
      subscriber.add(
        source.subscribe({
          next: (event) => {
            if (finished) return;
            if (event.type === 'execution_started') {
              executionId = event.executionId;
              guarded(() => journal.appendMeta({ ...config.meta, executionId }));
            }
            if (event.type === 'task_succeeded') {
              if (!log.record(event.taskId, event.outcome.returnValue) && !warned) {
                warned = true;
                process.emitWarning(
                  `mazepa: the result of task ${event.taskId} cannot be encoded (or is too long), so the ` +
                    `checkpoint ${path} does not record it (nor any other such task): it will run again on a rerun`,
                );
              }
              queueFlush();
            }
            if (event.type !== 'execution_completed') return subscriber.next(event);
            finish(() => {
              subscriber.next(event);
              subscriber.complete();
            });
          },
          error: (error: unknown) => finish(() => subscriber.error(error), error),
          complete: () => finish(() => subscriber.complete()),
        }),
      );
      return () => {
        process.off('exit', onExit);
        pushes?.unsubscribe();
        flush?.unsubscribe();
        if (finished) return;
        finished = true;
        ticks.unsubscribe();
        try {
          journal.close(meta());
        } catch (error) {
          process.emitWarning(`mazepa: ${(error as Error).message}`);
        }
      };
    });
}
