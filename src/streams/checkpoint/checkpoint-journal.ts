import { Buffer } from 'node:buffer';
import { closeSync, fdatasyncSync, fstatSync, openSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { commitLine, type CheckpointLog } from './checkpoint-format.js';
import { removeStaleTemps, writeAllSync, writeFailure, writeFileAtomicSync } from './checkpoint-file.js';
import { compactionDue } from './checkpoint-parse.js';

/**
 * A checkpoint file open for appending. Every call is blocking: an append is one `write` to the
 * page cache (a killed process keeps what was written; a crash of the machine keeps what was
 * last flushed), so no signal handler or exit can come in the middle of one.
 *
 * @internal
 */
export interface CheckpointJournal {
  /** Appends the records logged since the last call (with their `c` record); returns whether there were any. */
  appendLogged(): boolean;
  /** Appends an `m` record (execution metadata; later fields replace earlier ones). */
  appendMeta(fields: Readonly<Record<string, unknown>>): void;
  /** Flushes what was appended to disk (`fdatasync`), and compacts the file if it holds much that compaction drops. */
  sync(meta: Readonly<Record<string, unknown>>): void;
  /** Rewrites the file atomically with only the records that count, then appends to the new one. */
  compact(meta: Readonly<Record<string, unknown>>): void;
  /** Appends what is logged, flushes (or compacts), and closes the file. Idempotent. */
  close(meta: Readonly<Record<string, unknown>>): void;
}

/**
 * Opens the journal of `path`, whose records `log` holds (as loaded): stale temporary files
 * next to it are removed, and the file is compacted first when `compactFirst` (a new file, an
 * older format, an append cut short by a crash). Throws a `CheckpointError` (`phase: 'write'`).
 *
 * @internal
 */
export function openJournal(
  path: string,
  log: CheckpointLog,
  compactFirst: boolean,
  meta: Readonly<Record<string, unknown>>,
): CheckpointJournal {
  let fd = -1;
  let fileBytes = 0;
  let unsynced = false;
  const guard = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      throw error instanceof Error && error.name === 'CheckpointError' ? error : writeFailure(path, error);
    }
  };
  const open = (): void => {
    fd = openSync(path, 'a');
    fileBytes = fstatSync(fd).size;
  };
  const append = (bytes: Buffer): void => {
    writeAllSync(fd, [bytes]);
    fileBytes += bytes.length;
    unsynced = true;
  };
  const journal: CheckpointJournal = {
    appendLogged: () =>
      guard(() => {
        const bytes = log.drain();
        if (bytes.length === 0) return false;
        append(bytes);
        return true;
      }),
    appendMeta: (fields) =>
      guard(() => {
        const record = Buffer.from(`m ${JSON.stringify(fields)}\n`, 'utf8');
        append(Buffer.concat([record, Buffer.from(commitLine(1, crc32(record)), 'utf8')]));
      }),
    sync: (current) =>
      guard(() => {
        journal.appendLogged();
        // Appends to a file that was removed (or its folder) succeed, and keep nothing.
        if (fstatSync(fd).nlink === 0) throw new Error('it was removed while the run went on');
        if (compactionDue(fileBytes, log.bytes)) return journal.compact(current);
        if (unsynced) fdatasyncSync(fd);
        unsynced = false;
      }),
    compact: (current) =>
      guard(() => {
        if (fd >= 0) closeSync(fd);
        fd = -1;
        writeFileAtomicSync(path, log.serialize(current));
        open();
        unsynced = false;
      }),
    close: (current) => {
      if (fd < 0) return;
      try {
        journal.sync(current);
      } finally {
        closeSync(fd);
        fd = -1;
      }
    },
  };
  guard(() => {
    removeStaleTemps(path);
    if (compactFirst) journal.compact(meta);
    else open();
  });
  return journal;
}
