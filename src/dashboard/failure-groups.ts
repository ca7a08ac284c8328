import type { FailureGroup } from './dashboard-frame.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The first line of a text, cut to `max` characters. @internal */
export function firstLine(text: string, max: number): string {
  const end = text.indexOf('\n');
  return (end < 0 ? text : text.slice(0, end)).slice(0, max);
}

/**
 * Failures grouped by operation, error name and the first line of the message: a count, when the
 * first and last were seen, and the first one's stack. At most `maxGroups` groups; failures of
 * further kinds are only counted. @internal
 *
 * @example
 * ```text
 * const groups = new FailureGroups(200, 8000, 300);
 * groups.add('op', 'task-1', { name: 'Error', message: 'boom' }, Date.now());
 * ```
 */
export class FailureGroups {
  private readonly groups = new Map<string, Mutable<FailureGroup>>();
  private readonly dirty = new Set<string>();
  /** Failures beyond the kept groups. */
  other = 0;

  constructor(
    private readonly maxGroups: number,
    private readonly stackChars: number,
    private readonly lineChars: number,
  ) {}

  add(
    operationName: string,
    taskId: string,
    error: { name: string; message: string; stack?: string },
    now: number,
  ): void {
    const line = firstLine(error.message, this.lineChars);
    const key = `${operationName}\u0000${error.name}\u0000${line}`;
    const group = this.groups.get(key);
    if (group !== undefined) {
      group.count++;
      group.lastSeen = now;
      this.dirty.add(key);
      return;
    }
    if (this.groups.size >= this.maxGroups) {
      this.other++;
      return;
    }
    this.groups.set(key, {
      key,
      operationName,
      errorName: error.name.slice(0, this.lineChars),
      firstLine: line,
      count: 1,
      firstSeen: now,
      lastSeen: now,
      sampleStack: (error.stack ?? `${error.name}: ${error.message}`).slice(0, this.stackChars),
      sampleTaskId: taskId,
    });
    this.dirty.add(key);
  }

  /** Every group (`full`), or those changed since the last delta. */
  rows(full: boolean): FailureGroup[] {
    const keys = full ? [...this.groups.keys()] : [...this.dirty];
    if (!full) this.dirty.clear();
    return keys.map((key) => ({ ...this.groups.get(key)! }));
  }
}
