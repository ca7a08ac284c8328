/**
 * The checkpoint file format, version 1: plain UTF-8 text, one completed task per line.
 *
 * ```text
 * mazepa-checkpoint 1 {"executionId":"exec-...","writtenAt":"2026-01-01T00:00:00.000Z"}
 * resize-3q2Lh0cV1U9hE0u1ZSk3MA
 * count-dBq1M3YSP1JpVb2xSxv0OQ	{"$t":"bigint","v":"42"}
 * end 2 8c1f07aa
 * ```
 *
 * A task line is the task id (JSON-quoted when it starts with `"` or holds a tab or line break),
 * then, unless the task returned `undefined`, a tab and its return value as `encodeToString`
 * writes it (JSON never holds a raw tab or line break). The `end` line gives the number of task
 * lines and the CRC-32 of their bytes, so a truncated or altered file is refused. Lines are only
 * ever added, so the bytes already written are kept as they are and a new write costs only the
 * encoding of the tasks completed since the last one.
 */
import { Buffer } from 'node:buffer';
import { crc32 } from 'node:zlib';
import { CodecError, decodeFromString, encodeToString } from '../flows/codec/index.js';
import type { TaskOutcome } from '../flows/task.js';
import { CheckpointError } from './checkpoint-error.js';

/** @internal */
export const CHECKPOINT_MAGIC = 'mazepa-checkpoint';
/** @internal */
export const CHECKPOINT_VERSION = 1;

/** The outcome every task that returned `undefined` shares, which keeps 10^6 of them small. */
/** Lines kept as strings before they are sealed into a Buffer. */
const SEAL_LINES = 4096;

const UNDEFINED_OUTCOME: TaskOutcome = Object.freeze({ returnValue: undefined, executionSecs: 0 });

/** The completed tasks of a run as they go to disk. @internal */
export interface CheckpointLog {
  /** Records a completed task; returns false when the codec refuses its value (not recorded). */
  record(taskId: string, returnValue: unknown): boolean;
  /** Task lines recorded, including those loaded. */
  readonly count: number;
  /** The file's bytes as of now: header, task lines, end line. */
  serialize(meta: Readonly<Record<string, unknown>>): Buffer[];
}

/** What a parsed checkpoint holds. @internal */
export interface ParsedCheckpoint {
  readonly completed: Map<string, TaskOutcome>;
  readonly meta: Record<string, unknown>;
  /** Seeds a log that goes on from this file (its bytes are kept, not re-encoded). */
  readonly log: CheckpointLog;
}

/** @internal */
export function createCheckpointLog(seed?: { body: Buffer; count: number; crc: number }): CheckpointLog {
  const sealed: Buffer[] = seed !== undefined && seed.body.length > 0 ? [seed.body] : [];
  let crc = seed?.crc ?? 0;
  let count = seed?.count ?? 0;
  let pending: string[] = [];
  const seal = (): void => {
    if (pending.length === 0) return;
    const chunk = Buffer.from(`${pending.join('\n')}\n`, 'utf8');
    pending = [];
    crc = crc32(chunk, crc);
    sealed.push(chunk);
  };
  return {
    get count() {
      return count;
    },
    record(taskId, returnValue) {
      const id = /^"|[\t\n\r]/.test(taskId) ? JSON.stringify(taskId) : taskId;
      let line = id;
      if (returnValue !== undefined) {
        try {
          line = `${id}\t${encodeToString(returnValue, `the result of task ${taskId}`)}`;
        } catch (error) {
          if (error instanceof CodecError) return false;
          throw error;
        }
      }
      pending.push(line);
      count++;
      // Seal lines into bytes as they come, not only at writes: a few thousand pending strings
      // cost little, a million of them (a long interval) cost several times the file's size.
      if (pending.length >= SEAL_LINES) seal();
      return true;
    },
    serialize(meta) {
      seal();
      const header = Buffer.from(`${CHECKPOINT_MAGIC} ${CHECKPOINT_VERSION} ${JSON.stringify(meta)}\n`, 'utf8');
      const end = Buffer.from(`end ${count} ${(crc >>> 0).toString(16).padStart(8, '0')}\n`, 'utf8');
      return [header, ...sealed, end];
    },
  };
}

/**
 * Parses a checkpoint file's bytes; throws a {@link CheckpointError} naming the file and what
 * is wrong with it.
 *
 * @internal
 */
export function parseCheckpoint(data: Buffer, path: string): ParsedCheckpoint {
  const refuse = (why: string, cause?: unknown): never => {
    throw new CheckpointError(`Checkpoint ${path} ${why}; move it away to start afresh`, {
      path,
      ...(cause === undefined ? {} : { cause }),
    });
  };
  const headerEnd = data.indexOf(0x0a);
  const header = data.subarray(0, headerEnd < 0 ? Math.min(data.length, 80) : headerEnd).toString('utf8');
  if (!header.startsWith(`${CHECKPOINT_MAGIC} `)) {
    refuse(`is not a mazepa checkpoint (it starts with ${JSON.stringify(header.slice(0, 40))})`);
  }
  const [, version, metaText = '{}'] = /^\S+ (\S+) ?(.*)$/.exec(header) ?? [];
  if (version !== String(CHECKPOINT_VERSION)) {
    refuse(`has format version ${String(version)}, and this mazepa reads version ${CHECKPOINT_VERSION}`);
  }
  let meta: Record<string, unknown> = {};
  try {
    meta = JSON.parse(metaText) as Record<string, unknown>;
  } catch (error) {
    refuse('is corrupt: its header does not parse', error);
  }
  if (data[data.length - 1] !== 0x0a || headerEnd === data.length - 1) refuse('is truncated: it has no end line');
  const footerStart = data.lastIndexOf(0x0a, data.length - 2) + 1;
  const footer = /^end (\d+) ([0-9a-f]{8})$/.exec(data.subarray(footerStart, data.length - 1).toString('utf8'));
  if (footer === null || footerStart <= headerEnd) refuse('is truncated: it has no end line');
  const body = data.subarray(headerEnd + 1, footerStart);
  const crc = crc32(body);
  if (crc !== parseInt(footer![2]!, 16)) refuse('is corrupt: its checksum does not match its contents');
  const completed = new Map<string, TaskOutcome>();
  // Each id is read out of the bytes on its own: slices of one big string would keep all of it
  // alive as long as any id is a key of the map (the whole file, again, in memory).
  let count = 0;
  for (let start = 0; start < body.length; count++) {
    let end = body.indexOf(0x0a, start);
    if (end < 0) end = body.length;
    let tab = -1;
    for (let i = start; i < end; i++) {
      if (body[i] === 0x09) {
        tab = i;
        break;
      }
    }
    let id = body.toString('utf8', start, tab < 0 ? end : tab);
    const valueStart = tab + 1;
    const valueEnd = end;
    start = end + 1;
    let outcome = UNDEFINED_OUTCOME;
    try {
      if (id.startsWith('"')) id = JSON.parse(id) as string;
      if (tab >= 0) {
        outcome = { returnValue: decodeFromString(body.toString('utf8', valueStart, valueEnd)), executionSecs: 0 };
      }
    } catch (error) {
      refuse(`is corrupt at task line ${count + 1}: ${(error as Error).message}`, error);
    }
    if (id === '') refuse(`is corrupt at task line ${count + 1}: an empty task id`);
    completed.set(id, outcome);
  }
  if (count !== Number(footer![1]))
    refuse(`is corrupt: it has ${count} task lines, and its end line says ${footer![1]}`);
  return { completed, meta, log: createCheckpointLog({ body, count, crc }) };
}
