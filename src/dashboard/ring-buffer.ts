/**
 * A fixed-size ring of numbers: pushing past its capacity drops the oldest. Its memory never
 * grows after it is made. @internal
 *
 * @example
 * ```text
 * const ring = new RingBuffer(3);
 * [1, 2, 3, 4].forEach((n) => ring.push(n));
 * ring.toArray(); // [2, 3, 4]
 * ```
 */
export class RingBuffer {
  private readonly items: Float64Array;
  private start = 0;
  private count = 0;
  /** How many items were ever pushed (the index the next push gets). */
  pushed = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new TypeError(`RingBuffer: capacity must be a whole number >= 1, received ${String(capacity)}`);
    }
    this.items = new Float64Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  push(value: number): void {
    this.pushed++;
    if (this.count < this.capacity) {
      this.items[(this.start + this.count) % this.capacity] = value;
      this.count++;
      return;
    }
    this.items[this.start] = value;
    this.start = (this.start + 1) % this.capacity;
  }

  /** The sum of the items. */
  sum(): number {
    let total = 0;
    for (let i = 0; i < this.count; i++) total += this.items[(this.start + i) % this.capacity]!;
    return total;
  }

  /** The items oldest first; with `since`, only those pushed at or after that push index. */
  toArray(since = 0): number[] {
    const first = Math.max(since, this.pushed - this.count);
    const out: number[] = [];
    for (let i = first; i < this.pushed; i++)
      out.push(this.items[(this.start + i - (this.pushed - this.count)) % this.capacity]!);
    return out;
  }
}
