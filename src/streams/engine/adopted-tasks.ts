import { Observable, type MonoTypeOperatorFunction, type Subscriber } from 'rxjs';
import type { OutcomeReport } from '../execution-queue.js';

/**
 * The tasks of a re-attached run that an earlier run pushed (`RunHooks.adopted`): a stage on the
 * outcome stream, before the retry stage, that keeps the outcomes which come before their task is
 * yielded and replays them once it is, and the bookkeeping of which adopted tasks are awaited
 * without a push. @internal
 */
export interface AdoptedTasks {
  /**
   * A task is yielded: true when the earlier run pushed it (it counts as submitted without a push
   * and is awaited); an outcome kept for it is replayed at the next {@link AdoptedTasks.replay}.
   */
  claim(taskId: string): boolean;
  /**
   * The queue says an adopted task's outcome cannot come: true when it was yielded and is still
   * awaited (push it now); one not yielded yet is pushed as any other task when it is.
   */
  lost(taskId: string): boolean;
  /** Emits the kept outcomes of the tasks claimed since the last call (the composition calls it when the flow driver is idle). */
  replay(): void;
  /** The stage: outcome reports in, outcome reports out, early ones held back until replayed. */
  readonly stage: MonoTypeOperatorFunction<OutcomeReport>;
}

/** Makes the adopted-task stage of one run from the ids the earlier run pushed. @internal */
export function createAdoptedTasks(ids: ReadonlySet<string>): AdoptedTasks {
  // Adopted ids not yielded yet, those yielded and awaited without a push, outcomes that came
  // before their task was yielded, and those to emit at the next replay.
  const adopted = new Set(ids);
  const elsewhere = new Set<string>();
  const early = new Map<string, OutcomeReport>();
  const due: OutcomeReport[] = [];
  let downstream: Subscriber<OutcomeReport> | undefined;
  return {
    claim(taskId) {
      if (adopted.size === 0 || !adopted.delete(taskId)) return false;
      elsewhere.add(taskId);
      const report = early.get(taskId);
      if (report !== undefined) {
        early.delete(taskId);
        due.push(report);
      }
      return true;
    },
    lost(taskId) {
      return !adopted.delete(taskId) && elsewhere.delete(taskId);
    },
    replay() {
      while (due.length > 0 && downstream !== undefined && !downstream.closed) downstream.next(due.pop()!);
    },
    stage: (reports) =>
      new Observable<OutcomeReport>((subscriber) => {
        downstream = subscriber;
        subscriber.add(() => {
          if (downstream === subscriber) downstream = undefined;
        });
        return reports.subscribe({
          next(report) {
            const id = report.taskId;
            if (adopted.has(id)) {
              // Sent to the earlier run before this one yielded the task: kept until it does (a success wins).
              const kept = early.get(id);
              if (kept === undefined || kept.outcome.error !== undefined) early.set(id, report);
              return;
            }
            if (elsewhere.size > 0) elsewhere.delete(id);
            subscriber.next(report);
          },
          error: (error: unknown) => subscriber.error(error),
          complete: () => subscriber.complete(),
        });
      }),
  };
}
