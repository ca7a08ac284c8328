import type { OperationCounts } from '../execution-event.js';

/** Running counts of an execution, per operation. @internal */
export interface Stats {
  submitted(operation: string): void;
  succeeded(operation: string): void;
  failed(operation: string): void;
  skipped(operation: string): void;
  retried(operation: string): void;
  readonly operations: ReadonlyMap<string, OperationCounts>;
}

/** @internal */
export function createStats(): Stats {
  const operations = new Map<string, OperationCounts>();
  const counts = (operation: string): OperationCounts => {
    let c = operations.get(operation);
    if (c === undefined) {
      c = { submitted: 0, succeeded: 0, failed: 0, skipped: 0, retried: 0 };
      operations.set(operation, c);
    }
    return c;
  };
  return {
    operations,
    submitted: (op) => void counts(op).submitted++,
    succeeded: (op) => void counts(op).succeeded++,
    failed: (op) => void counts(op).failed++,
    skipped: (op) => void counts(op).skipped++,
    retried: (op) => void counts(op).retried++,
  };
}
