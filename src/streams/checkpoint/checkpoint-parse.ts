import { Buffer } from 'node:buffer';
import { crc32 } from 'node:zlib';
import { decodeFromString } from '../../flows/codec/index.js';
import type { TaskOutcome } from '../../flows/task.js';
import { CheckpointError } from './checkpoint-error.js';
import {
  CHECKPOINT_MAGIC,
  CHECKPOINT_MAX_LINE_BYTES,
  CHECKPOINT_VERSION,
  createCheckpointLog,
  type ParsedCheckpoint,
} from './checkpoint-format.js';

/** The outcome every task that returned `undefined` shares, which keeps 10^6 of them small. */
const UNDEFINED_OUTCOME: TaskOutcome = Object.freeze({ returnValue: undefined, executionSecs: 0 });

const NL = 0x0a;
const TAB = 0x09;

/**
 * Whether a journal of `fileBytes` whose task records take `taskBytes` holds enough that
 * compaction would drop (`c` records, superseded records) to be worth rewriting it.
 *
 * @internal
 */
export const compactionDue = (fileBytes: number, taskBytes: number): boolean =>
  fileBytes - taskBytes > Math.max(64 * 1024, taskBytes / 8);

/**
 * Parses a checkpoint file's bytes (format version 2, or version 1 as mazepa wrote it before);
 * throws a {@link CheckpointError} naming the file and what is wrong with it.
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
  const tooLong = (start: number, end: number, what: string): void => {
    if (end - start > CHECKPOINT_MAX_LINE_BYTES) {
      refuse(`is corrupt: ${what} is longer than ${CHECKPOINT_MAX_LINE_BYTES} bytes`);
    }
  };
  const headerEnd = data.indexOf(NL);
  tooLong(0, headerEnd < 0 ? Math.min(data.length, 80) : headerEnd, 'its header line');
  const header = data.subarray(0, headerEnd < 0 ? Math.min(data.length, 80) : headerEnd).toString('utf8');
  if (!header.startsWith(`${CHECKPOINT_MAGIC} `)) {
    refuse(`is not a mazepa checkpoint (it starts with ${JSON.stringify(header.slice(0, 40))})`);
  }
  const [, version, metaText = '{}'] = /^\S+ (\S+) ?(.*)$/.exec(header) ?? [];
  if (version !== '1' && version !== String(CHECKPOINT_VERSION)) {
    refuse(`has format version ${String(version)}, and this mazepa reads versions 1 and ${CHECKPOINT_VERSION}`);
  }
  let meta: Record<string, unknown> = {};
  try {
    meta = JSON.parse(metaText) as Record<string, unknown>;
  } catch (error) {
    refuse('is corrupt: its header does not parse', error);
  }
  if (headerEnd < 0) refuse('is truncated: its header line has no end');
  const completed = new Map<string, TaskOutcome>();
  /** Reads the task of a `t` record (v2, at `start + 2`) or a task line (v1). */
  const readTask = (start: number, end: number, where: string): [string, TaskOutcome] => {
    let tab = -1;
    for (let i = start; i < end; i++) {
      if (data[i] === TAB) {
        tab = i;
        break;
      }
    }
    // Each id is read out of the bytes on its own: slices of one big string would keep all of it
    // alive as long as any id is a key of the map (the whole file, again, in memory).
    let id = data.toString('utf8', start, tab < 0 ? end : tab);
    let outcome = UNDEFINED_OUTCOME;
    try {
      if (id.startsWith('"')) id = JSON.parse(id) as string;
      if (tab >= 0) outcome = { returnValue: decodeFromString(data.toString('utf8', tab + 1, end)), executionSecs: 0 };
    } catch (error) {
      refuse(`is corrupt at ${where}: ${(error as Error).message}`, error);
    }
    if (id === '') refuse(`is corrupt at ${where}: an empty task id`);
    return [id, outcome];
  };
  if (version === '1') return parseV1(data, headerEnd, meta, completed, readTask, refuse, tooLong);
  return parseV2(data, headerEnd, meta, completed, readTask, refuse, tooLong);
}

type Refuse = (why: string, cause?: unknown) => never;
type TooLong = (start: number, end: number, what: string) => void;
type ReadTask = (start: number, end: number, where: string) => [string, TaskOutcome];

/** Version 1: task lines (no kind), then `end <count> <crc32 of the task lines>`. */
function parseV1(
  data: Buffer,
  headerEnd: number,
  meta: Record<string, unknown>,
  completed: Map<string, TaskOutcome>,
  readTask: ReadTask,
  refuse: Refuse,
  tooLong: TooLong,
): ParsedCheckpoint {
  if (data[data.length - 1] !== NL || headerEnd === data.length - 1) refuse('is truncated: it has no end line');
  const footerStart = data.lastIndexOf(NL, data.length - 2) + 1;
  const footer = /^end (\d+) ([0-9a-f]{8})$/.exec(data.subarray(footerStart, data.length - 1).toString('utf8'));
  if (footer === null || footerStart <= headerEnd) refuse('is truncated: it has no end line');
  const body = data.subarray(headerEnd + 1, footerStart);
  if (crc32(body) !== parseInt(footer![2]!, 16)) refuse('is corrupt: its checksum does not match its contents');
  const offset = headerEnd + 1;
  let count = 0;
  for (let start = 0; start < body.length; count++) {
    let end = body.indexOf(NL, start);
    if (end < 0) end = body.length;
    tooLong(start, end, `task line ${count + 1}`);
    completed.set(...readTask(offset + start, offset + end, `task line ${count + 1}`));
    start = end + 1;
  }
  if (count !== Number(footer![1]))
    refuse(`is corrupt: it has ${count} task lines, and its end line says ${footer![1]}`);
  // Carried on in version 2: each task line becomes a `t` record.
  const converted = Buffer.allocUnsafe(body.length + 2 * count);
  let at = 0;
  for (let start = 0; start < body.length;) {
    const end = body.indexOf(NL, start);
    at += converted.write('t ', at, 'latin1');
    at += body.copy(converted, at, start, end + 1);
    start = end + 1;
  }
  const log = createCheckpointLog({ body: converted.subarray(0, at), count });
  return { completed, meta, pushed: new Set(), log, needsCompaction: true };
}

/** Version 2: typed records, committed by `c` records; see checkpoint-format.ts. */
function parseV2(
  data: Buffer,
  headerEnd: number,
  meta: Record<string, unknown>,
  completed: Map<string, TaskOutcome>,
  readTask: ReadTask,
  refuse: Refuse,
  tooLong: TooLong,
): ParsedCheckpoint {
  // First pass: every line is a record of a known kind, not too long, and every `c` checks
  // out; `committed` is where the records that no `c` commits begin (they are ignored).
  let groupStart = headerEnd + 1;
  let groupCount = 0;
  let line = 1;
  for (let start = headerEnd + 1; start < data.length; line++) {
    const end = data.indexOf(NL, start);
    if (end < 0) break; // a torn last line
    const where = `line ${line + 1}`;
    tooLong(start, end, where);
    const kind = data[start + 1] === 0x20 ? data[start] : -1;
    if (kind === 0x63 /* c */) {
      const commit = /^c (\d+) ([0-9a-f]{8})$/.exec(data.toString('latin1', start, end));
      if (commit === null) refuse(`is corrupt at ${where}: not a record`);
      if (Number(commit![1]) !== groupCount || crc32(data.subarray(groupStart, start)) !== parseInt(commit![2]!, 16)) {
        refuse(`is corrupt at ${where}: the records before it do not match their checksum`);
      }
      groupCount = 0;
      groupStart = end + 1;
    } else if (kind === 0x74 /* t */ || kind === 0x6d /* m */ || kind === 0x70 /* p */) {
      groupCount++;
    } else {
      refuse(`is corrupt at ${where}: not a record`);
    }
    start = end + 1;
  }
  const committed = groupStart;
  // Second pass: the committed records.
  const pushed = new Set<string>();
  /** Byte ranges of the `t` records that count (the log is seeded with them, not re-encoded). */
  const ranges: [number, number][] = [];
  // Many `c` records alone are left to compactionDue (their bytes); anything ignored is not.
  let tidy = committed === data.length;
  line = 1;
  for (let start = headerEnd + 1; start < committed; line++) {
    const end = data.indexOf(NL, start);
    const where = `line ${line + 1}`;
    const kind = data[start];
    if (kind === 0x74) {
      const [id, outcome] = readTask(start + 2, end, where);
      if (completed.has(id))
        tidy = false; // recorded twice: the first one stays
      else {
        completed.set(id, outcome);
        const last = ranges.at(-1);
        if (last !== undefined && last[1] === start) last[1] = end + 1;
        else ranges.push([start, end + 1]);
      }
    } else if (kind === 0x70) {
      try {
        const id = data.toString('utf8', start + 2, end);
        pushed.add(id.startsWith('"') ? (JSON.parse(id) as string) : id);
      } catch (error) {
        refuse(`is corrupt at ${where}: ${(error as Error).message}`, error);
      }
    } else if (kind === 0x6d) {
      let fields: unknown;
      try {
        fields = JSON.parse(data.toString('utf8', start + 2, end));
      } catch (error) {
        refuse(`is corrupt at ${where}: ${(error as Error).message}`, error);
      }
      if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
        refuse(`is corrupt at ${where}: metadata that is not an object`);
      }
      Object.assign(meta, fields);
    }
    start = end + 1;
  }
  for (const id of completed.keys()) if (pushed.delete(id)) tidy = false;
  const body =
    ranges.length === 1 ? data.subarray(...ranges[0]!) : Buffer.concat(ranges.map(([a, b]) => data.subarray(a, b)));
  const log = createCheckpointLog({ body, count: completed.size, pushed });
  const needsCompaction = !tidy || compactionDue(data.length, body.length);
  return { completed, meta, pushed, log, needsCompaction };
}
