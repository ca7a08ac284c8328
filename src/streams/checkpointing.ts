import type { Buffer } from 'node:buffer';
import { Observable, from, interval, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs';
import { writeFileAtomic, writeFileAtomicSync } from './checkpoint-file.js';
import type { CheckpointLog } from './checkpoint-format.js';
import type { ExecutionEvent } from './execution-event.js';

/** What {@link checkpointing} needs. @internal */
export interface CheckpointingConfig {
  readonly path: string;
  readonly intervalMs: number;
  readonly scheduler: SchedulerLike;
  /** The completed tasks so far (those of the checkpoint loaded at the start included). */
  readonly log: CheckpointLog;
  /** @default an atomic write (temporary file, flush, rename) */
  readonly write?: (path: string, chunks: readonly Buffer[]) => Promise<void>;
  /** The blocking write used when the run is torn down without an end. @default atomic */
  readonly writeSync?: (path: string, chunks: readonly Buffer[]) => void;
}

/**
 * Records every task that succeeds in `log` and writes the checkpoint file: every
 * `intervalMs` (when something new completed), at the end (before `execution_completed`),
 * when the execution fails (before the error), and, blocking, when it is unsubscribed before
 * its end. Each write is followed by a `checkpoint_written` event; writes never overlap.
 *
 * @internal wired by `execute` for its `checkpoint` option
 */
export function checkpointing(config: CheckpointingConfig): MonoTypeOperatorFunction<ExecutionEvent> {
  const { path, intervalMs, scheduler, log } = config;
  const write = config.write ?? writeFileAtomic;
  const writeSync = config.writeSync ?? writeFileAtomicSync;
  return (source) =>
    new Observable<ExecutionEvent>((subscriber) => {
      let executionId = '';
      let writtenCount = -1;
      let busy = false;
      let finished = false;
      let warned = false;
      let current: Promise<void> | undefined;
      const meta = (): Record<string, unknown> => ({
        executionId,
        writtenAt: new Date(scheduler.now()).toISOString(),
      });
      /**
       * Writes the log as it is now (at once, or after the write in progress); resolves to the
       * number of tasks written.
       */
      const save = (): Promise<number> => {
        const start = (): Promise<number> => {
          const count = log.count;
          return write(path, log.serialize(meta())).then(() => {
            writtenCount = count;
            return count;
          });
        };
        const next = current === undefined ? start() : current.then(start);
        const settled = next.then(
          () => {},
          () => {},
        );
        current = settled;
        void settled.then(() => {
          if (current === settled) current = undefined;
        });
        return next;
      };
      const written = (completed: number): ExecutionEvent => ({
        type: 'checkpoint_written',
        executionId,
        path,
        completed,
      });
      const ticks = interval(intervalMs, scheduler).subscribe(() => {
        if (busy || finished || log.count === writtenCount) return;
        busy = true;
        subscriber.add(
          from(save()).subscribe({
            next: (count) => {
              busy = false;
              if (!finished) subscriber.next(written(count));
            },
            error: (error: unknown) => {
              finished = true;
              subscriber.error(error);
            },
          }),
        );
      });
      subscriber.add(ticks);
      /** The last write, then `end` (which completes or errors the output). */
      const finish = (end: () => void, failure?: unknown): void => {
        finished = true;
        ticks.unsubscribe();
        from(save()).subscribe({
          next: (count) => {
            subscriber.next(written(count));
            end();
          },
          error: (error: unknown) => {
            if (failure === undefined) return subscriber.error(error);
            process.emitWarning(`mazepa: ${(error as Error).message}`);
            end();
          },
        });
      };
      subscriber.add(
        source.subscribe({
          next: (event) => {
            if (event.type === 'execution_started') executionId = event.executionId;
            if (event.type === 'task_succeeded' && !log.record(event.taskId, event.outcome.returnValue) && !warned) {
              warned = true;
              process.emitWarning(
                `mazepa: the result of task ${event.taskId} cannot be encoded, so the checkpoint ${path} ` +
                  'does not record it (nor any other such task): it will run again on a rerun',
              );
            }
            if (event.type !== 'execution_completed') return subscriber.next(event);
            finish(() => {
              subscriber.next(event);
              subscriber.complete();
            });
          },
          error: (error: unknown) => finish(() => subscriber.error(error), error),
          complete: () => {
            if (!finished) finish(() => subscriber.complete());
          },
        }),
      );
      return () => {
        if (finished) return;
        finished = true;
        try {
          writeSync(path, log.serialize(meta()));
        } catch (error) {
          process.emitWarning(`mazepa: ${(error as Error).message}`);
        }
      };
    });
}
