import type { OperationCounts } from '../execution-event.js';

/** Running counts of an execution, per operation. @internal */
export interface Stats {
  submitted(operation: string): void;
  /** A task succeeded; `secs` is its attempt's run time. */
  succeeded(operation: string, secs?: number): void;
  /** A task failed for good with an error named `errorType`. */
  failed(operation: string, errorType?: string, secs?: number): void;
  skipped(operation: string): void;
  /** An attempt failed and will be retried. */
  retried(operation: string, secs?: number): void;
  readonly operations: ReadonlyMap<string, OperationCounts>;
  /** Failures per operation, by error name (failures are few: kept always). */
  readonly failures: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Told each finished attempt's run time, when set (by the metrics, while a meter records). */
  attemptTimed: ((operation: string, outcome: 'succeeded' | 'failed', secs: number) => void) | undefined;
}

/** @internal */
export function createStats(): Stats {
  const operations = new Map<string, OperationCounts>();
  const failures = new Map<string, Map<string, number>>();
  // Most events in a row are of one operation: its counts are found without a map lookup.
  let lastOperation: string | undefined;
  let lastCounts: OperationCounts | undefined;
  const counts = (operation: string): OperationCounts => {
    if (operation === lastOperation) return lastCounts!;
    let c = operations.get(operation);
    if (c === undefined) {
      c = { submitted: 0, succeeded: 0, failed: 0, skipped: 0, retried: 0 };
      operations.set(operation, c);
    }
    lastOperation = operation;
    lastCounts = c;
    return c;
  };
  const stats: Stats = {
    operations,
    failures,
    attemptTimed: undefined,
    submitted: (op) => void counts(op).submitted++,
    succeeded: (op, secs) => {
      counts(op).succeeded++;
      if (stats.attemptTimed !== undefined && secs !== undefined) stats.attemptTimed(op, 'succeeded', secs);
    },
    failed: (op, errorType = 'Error', secs) => {
      counts(op).failed++;
      let byType = failures.get(op);
      if (byType === undefined) failures.set(op, (byType = new Map()));
      byType.set(errorType, (byType.get(errorType) ?? 0) + 1);
      if (stats.attemptTimed !== undefined && secs !== undefined) stats.attemptTimed(op, 'failed', secs);
    },
    skipped: (op) => void counts(op).skipped++,
    retried: (op, secs) => {
      counts(op).retried++;
      if (stats.attemptTimed !== undefined && secs !== undefined) stats.attemptTimed(op, 'failed', secs);
    },
  };
  return stats;
}
