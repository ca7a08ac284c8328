/**
 * The checkpoint file format, version 2: a journal of typed records, plain UTF-8 text, one
 * record per line, a kind letter and a space first.
 *
 * ```text
 * mazepa-checkpoint 2 {"writtenAt":"2026-01-01T00:00:00.000Z"}
 * m {"executionId":"exec-..."}
 * t resize-3q2Lh0cV1U9hE0u1ZSk3MA
 * t count-dBq1M3YSP1JpVb2xSxv0OQ	{"$t":"bigint","v":"42"}
 * c 3 8c1f07aa
 * t resize-Zk0aQ1x9mJ1c9Vv2bLw5dA
 * c 1 0b7e2f11
 * ```
 *
 * - `t ID[<tab>VALUE]`: a task completed. The id is JSON-quoted when it starts with `"` or holds
 *   a tab or line break; the value, unless the task returned `undefined`, is what
 *   `encodeToString` writes (JSON never holds a raw tab or line break).
 * - `m JSON`: execution metadata; the fields of later records replace those of earlier ones.
 * - `p ID`: a task pushed to a queue that can re-attach to a run (SQS): written, batched per
 *   turn like the `t` records, once its push succeeded; kept by compaction while the task has no
 *   `t` record.
 * - `c N CRC`: commits the N records before it (since the previous `c`), CRC-32 of their bytes.
 *
 * A run appends its completions once per turn of the event loop, each append ending with its
 * `c` record. On load, records after the last `c` (an append cut short by a crash) are ignored;
 * a `c` that does not check out, or a line that is not a record, is refused. Compaction rewrites
 * the file (atomically) with one `m`, the `t` and `p` records that still count, and one `c`.
 * A new kind of record needs a new letter here, in the parser and in compaction.
 */
import { Buffer } from 'node:buffer';
import { crc32 } from 'node:zlib';
import { CodecError, encodeToString } from '../../flows/codec/index.js';
import type { TaskOutcome } from '../../flows/task.js';

/** @internal */
export const CHECKPOINT_MAGIC = 'mazepa-checkpoint';
/** The version this mazepa writes (it also reads version 1). @internal */
export const CHECKPOINT_VERSION = 2;
/**
 * The longest line a checkpoint may hold, in bytes: longer ones are refused on load (a line of
 * hundreds of MB would abort V8), and a result whose line would be longer is not recorded.
 *
 * @internal
 */
export const CHECKPOINT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/** The completed tasks of a run as they go to disk. @internal */
export interface CheckpointLog {
  /** Records a completed task; returns false when its value cannot be recorded (the codec refuses it, or it is too long). */
  record(taskId: string, returnValue: unknown): boolean;
  /** Records that a task was pushed (a `p` record), until it completes. */
  recordPushed(taskId: string): void;
  /** Forgets the pushed tasks recorded so far (a run that did not re-attach); compaction drops them. */
  forgetPushed(): void;
  /** Task records held, including those loaded. */
  readonly count: number;
  /** Bytes of the task records held. */
  readonly bytes: number;
  /** The records made since the last call, as bytes ending with their `c` record (empty: nothing new). */
  drain(): Buffer;
  /** The whole file, compacted: header, `m`, `p` and `t` records, one `c`. */
  serialize(meta: Readonly<Record<string, unknown>>): Buffer[];
}

/** What a parsed checkpoint holds. @internal */
export interface ParsedCheckpoint {
  readonly completed: Map<string, TaskOutcome>;
  /** The metadata of the header and the `m` records. */
  readonly meta: Record<string, unknown>;
  /** Tasks of `p` records that have no `t` record: pushed by the run that wrote the file, outcome unknown. */
  readonly pushed: ReadonlySet<string>;
  /** Seeds a log that goes on from this file (its task records' bytes are kept, not re-encoded). */
  readonly log: CheckpointLog;
  /** True when the file is not as compaction would write it (old version, ignored tail, many `c`). */
  readonly needsCompaction: boolean;
}

/** An id as it appears in a record. @internal */
export const quoteId = (taskId: string): string => (/^"|[\t\n\r]/.test(taskId) ? JSON.stringify(taskId) : taskId);

/** The `c` record of records whose bytes are `body` (its count of lines). @internal */
export const commitLine = (count: number, crc: number): string =>
  `c ${count} ${(crc >>> 0).toString(16).padStart(8, '0')}\n`;

/** @internal */
export function createCheckpointLog(seed?: {
  body: Buffer;
  count: number;
  pushed?: ReadonlySet<string>;
}): CheckpointLog {
  const sealed: Buffer[] = seed !== undefined && seed.body.length > 0 ? [seed.body] : [];
  let count = seed?.count ?? 0;
  let bytes = seed?.body.length ?? 0;
  let pending: string[] = [];
  // Appends come one turn at a time, often small: they are joined into chunks of about 1 MB, so
  // that 10^6 of them do not cost 10^6 Buffer objects.
  let small: Buffer[] = [];
  let smallBytes = 0;
  const join = (): void => {
    if (small.length > 0) sealed.push(small.length === 1 ? small[0]! : Buffer.concat(small, smallBytes));
    small = [];
    smallBytes = 0;
  };
  const seal = (): Buffer | undefined => {
    if (pending.length === 0) return undefined;
    const chunk = Buffer.from(`${pending.join('\n')}\n`, 'utf8');
    pending = [];
    small.push(chunk);
    smallBytes += chunk.length;
    if (smallBytes >= 1 << 20) join();
    bytes += chunk.length;
    return chunk;
  };
  // A copy: completions take ids out of it, the parsed checkpoint keeps what it loaded.
  const pushed = new Set<string>(seed?.pushed);
  let pendingPushed: string[] = [];
  return {
    get count() {
      return count;
    },
    get bytes() {
      return bytes;
    },
    record(taskId, returnValue) {
      const id = quoteId(taskId);
      let line = `t ${id}`;
      if (returnValue !== undefined) {
        try {
          line = `${line}\t${encodeToString(returnValue, `the result of task ${taskId}`)}`;
        } catch (error) {
          if (error instanceof CodecError) return false;
          throw error;
        }
      }
      // A UTF-16 length bounds the UTF-8 one from below by a third: measure only when it may matter.
      if (line.length * 3 >= CHECKPOINT_MAX_LINE_BYTES && Buffer.byteLength(line) >= CHECKPOINT_MAX_LINE_BYTES) {
        return false;
      }
      pending.push(line);
      count++;
      pushed.delete(taskId);
      return true;
    },
    recordPushed(taskId) {
      pushed.add(taskId);
      pendingPushed.push(`p ${quoteId(taskId)}\n`);
    },
    forgetPushed() {
      pushed.clear();
      pendingPushed = [];
    },
    drain() {
      const n = pending.length + pendingPushed.length;
      const p = pendingPushed.length === 0 ? undefined : Buffer.from(pendingPushed.join(''), 'utf8');
      pendingPushed = [];
      const t = seal();
      const chunk = p === undefined ? t : t === undefined ? p : Buffer.concat([p, t]);
      if (chunk === undefined) return Buffer.alloc(0);
      return Buffer.concat([chunk, Buffer.from(commitLine(n, crc32(chunk)), 'utf8')]);
    },
    serialize(meta) {
      seal(); // whatever was not drained yet goes in too
      join();
      pendingPushed = []; // in `pushed` already
      const { executionId, ...others } = meta;
      const header = Buffer.from(
        `${CHECKPOINT_MAGIC} ${CHECKPOINT_VERSION} ${JSON.stringify({ writtenAt: others['writtenAt'] })}\n`,
        'utf8',
      );
      const m = Buffer.from(`m ${JSON.stringify({ executionId, ...others, writtenAt: undefined })}\n`, 'utf8');
      const p = [...pushed].map((id) => `p ${quoteId(id)}\n`).join('');
      const pBytes = Buffer.from(p, 'utf8');
      let all = crc32(m);
      if (pBytes.length > 0) all = crc32(pBytes, all);
      for (const chunk of sealed) all = crc32(chunk, all);
      const records = 1 + pushed.size + count;
      return [header, m, ...(pBytes.length > 0 ? [pBytes] : []), ...sealed, Buffer.from(commitLine(records, all))];
    },
  };
}
