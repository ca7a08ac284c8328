import type { SeriesPoints } from './dashboard-frame.js';
import { RingBuffer } from './ring-buffer.js';

/** Points of one resolution: epoch seconds, done and failed, in fixed rings. @internal */
class Series {
  readonly t: RingBuffer;
  readonly done: RingBuffer;
  readonly failed: RingBuffer;
  constructor(capacity: number) {
    this.t = new RingBuffer(capacity);
    this.done = new RingBuffer(capacity);
    this.failed = new RingBuffer(capacity);
  }
  push(t: number, done: number, failed: number): void {
    this.t.push(t);
    this.done.push(done);
    this.failed.push(failed);
  }
  points(since: number): SeriesPoints {
    return { t: this.t.toArray(since), done: this.done.toArray(since), failed: this.failed.toArray(since) };
  }
}

/**
 * The throughput chart's data: one point a second (the last `seconds`) and one a minute (the last
 * `minutes`), each a fixed ring; deltas hand on only the points made since the last delta.
 * @internal
 *
 * @example
 * ```text
 * const series = new ThroughputSeries(3600, 10080);
 * series.close(Date.now(), 120, 3); // the second that ended: 120 done, 3 of them failed
 * ```
 */
export class ThroughputSeries {
  private readonly seconds: Series;
  private readonly minutes: Series;
  private minuteStart: number | null = null;
  private minuteDone = 0;
  private minuteFailed = 0;
  private sentSeconds = 0;
  private sentMinutes = 0;

  constructor(seconds: number, minutes: number) {
    this.seconds = new Series(seconds);
    this.minutes = new Series(minutes);
  }

  /** Closes the second that ends at `nowMs`, and the minute's bucket when a minute has passed. */
  close(nowMs: number, done: number, failed: number): void {
    this.seconds.push(Math.floor(nowMs / 1000), done, failed);
    const minute = Math.floor(nowMs / 60_000) * 60;
    if (this.minuteStart !== null && minute !== this.minuteStart) {
      this.minutes.push(this.minuteStart, this.minuteDone, this.minuteFailed);
      this.minuteDone = 0;
      this.minuteFailed = 0;
    }
    this.minuteStart = minute;
    this.minuteDone += done;
    this.minuteFailed += failed;
  }

  /** Every point (`full`), or those made since the last delta (which are then marked sent). */
  points(full: boolean): { seconds: SeriesPoints; minutes: SeriesPoints } {
    const out = {
      seconds: this.seconds.points(full ? 0 : this.sentSeconds),
      minutes: this.minutes.points(full ? 0 : this.sentMinutes),
    };
    if (!full) {
      this.sentSeconds = this.seconds.t.pushed;
      this.sentMinutes = this.minutes.t.pushed;
    }
    return out;
  }
}
