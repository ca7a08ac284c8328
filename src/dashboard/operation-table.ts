import type { OperationCounts } from '../streams/execution-event.js';
import type { OperationRow } from './dashboard-frame.js';
import { RingBuffer } from './ring-buffer.js';

/** The name of the row that sums the operations beyond the kept number. @internal */
export const OTHER_OPERATIONS = '(other operations)';

type CountName = keyof OperationCounts;
const COUNTS: readonly CountName[] = ['submitted', 'succeeded', 'failed', 'skipped', 'retried'];

interface Row extends OperationCounts {
  /** Done (succeeded or failed) at the last tick. */
  doneAtTick: number;
  /** Done in each second of the rate window. */
  readonly recent: RingBuffer;
}

/**
 * The counts per operation and in total. They come either one event at a time (`count`) or from
 * the engine's own running counts, copied in (`sync`, once a second): then no per-task work is
 * done here at all. `tick` closes a second: what was done in it, for the rates and the chart.
 * At most `maxOperations` rows; further operations are summed in {@link OTHER_OPERATIONS}.
 * @internal
 *
 * @example
 * ```text
 * const table = new OperationTable(1000, 10);
 * table.count('task_succeeded', 'resize');
 * const { done, failed } = table.tick();
 * ```
 */
export class OperationTable {
  private readonly rows = new Map<string, Row>();
  private readonly dirty = new Set<string>();
  private lastName: string | undefined;
  private last: Row | undefined;
  readonly total: OperationCounts = { submitted: 0, succeeded: 0, failed: 0, skipped: 0, retried: 0 };
  private doneAtTick = 0;
  private failedAtTick = 0;
  /** Done in each second of the rate window, in total. */
  readonly recent: RingBuffer;

  constructor(
    private readonly maxOperations: number,
    private readonly rateWindowSecs: number,
  ) {
    this.recent = new RingBuffer(rateWindowSecs);
  }

  /** One more task of `operationName` in state `what`. */
  count(what: CountName, operationName: string): void {
    // Events come in runs of one operation: the last one's row is kept at hand.
    let row = this.last;
    if (operationName !== this.lastName || row === undefined) {
      const key = this.key(operationName);
      row = this.rows.get(key)!;
      this.dirty.add(key);
      this.lastName = operationName;
      this.last = row;
    }
    row[what]++;
    this.total[what]++;
  }

  /** Copies in the counts per operation an engine keeps (the rows take them as they are). */
  sync(counts: ReadonlyMap<string, Readonly<OperationCounts>>): void {
    const before = new Map<Row, number>();
    for (const row of this.rows.values()) {
      before.set(row, signature(row));
      for (const name of COUNTS) row[name] = 0;
    }
    for (const [name, c] of counts) {
      const row = this.rows.get(this.key(name))!;
      for (const key of COUNTS) row[key] += c[key];
    }
    for (const key of COUNTS) this.total[key] = 0;
    for (const [name, row] of this.rows) {
      for (const key of COUNTS) this.total[key] += row[key];
      if (before.get(row) !== signature(row)) this.dirty.add(name);
    }
  }

  /** Closes a second: what was done (and failed) since the last tick, in total. */
  tick(): { done: number; failed: number } {
    for (const [name, row] of this.rows) {
      const done = row.succeeded + row.failed;
      const delta = done - row.doneAtTick;
      row.doneAtTick = done;
      if (delta === 0 && row.recent.length === 0) continue;
      const moving = delta > 0 || row.recent.sum() > 0;
      row.recent.push(delta);
      if (moving) this.dirty.add(name);
    }
    const done = this.total.succeeded + this.total.failed;
    const out = { done: done - this.doneAtTick, failed: this.total.failed - this.failedAtTick };
    this.doneAtTick = done;
    this.failedAtTick = this.total.failed;
    this.recent.push(out.done);
    return out;
  }

  /** Every row (`full`), or those changed since the last delta; `ended` rows have no rate. */
  list(full: boolean, ended: boolean): OperationRow[] {
    const names = full ? [...this.rows.keys()] : [...this.dirty];
    if (!full) {
      this.dirty.clear();
      this.lastName = undefined; // the next count marks its row again
    }
    return names.map((name) => {
      const row = this.rows.get(name)!;
      const { submitted, succeeded, failed, skipped, retried } = row;
      const inFlight = submitted - succeeded - failed - retried;
      const ratePerSec = ended ? 0 : rate(row.recent);
      return { name, submitted, succeeded, failed, skipped, retried, inFlight, ratePerSec };
    });
  }

  /** The row `name` counts in (made when new): its own, or the sum of the others. */
  private key(name: string): string {
    if (this.rows.has(name)) return name;
    const key = this.rows.size >= this.maxOperations ? OTHER_OPERATIONS : name;
    if (!this.rows.has(key)) {
      const recent = new RingBuffer(this.rateWindowSecs);
      this.rows.set(key, { submitted: 0, succeeded: 0, failed: 0, skipped: 0, retried: 0, doneAtTick: 0, recent });
      this.dirty.add(key);
    }
    return key;
  }
}

function signature(c: OperationCounts): number {
  // Counts only grow: any change moves this sum.
  return c.submitted + c.succeeded + c.failed + c.skipped + c.retried;
}

/** The mean of a ring of per-second counts. @internal */
export function rate(ring: RingBuffer): number {
  return ring.length === 0 ? 0 : ring.sum() / ring.length;
}
