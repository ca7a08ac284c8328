import type { Buffer } from 'node:buffer';
import {
  closeSync,
  fdatasyncSync,
  fsyncSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writevSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CheckpointError } from './checkpoint-error.js';
import { createCheckpointLog, type ParsedCheckpoint } from './checkpoint-format.js';
import { parseCheckpoint } from './checkpoint-parse.js';

const missing = (): ParsedCheckpoint => ({
  completed: new Map(),
  meta: {},
  pushed: new Set(),
  log: createCheckpointLog(),
  needsCompaction: true,
});

const unreadable = (path: string, error: unknown): CheckpointError =>
  new CheckpointError(`Checkpoint ${path} cannot be read: ${(error as Error).message}`, { path, cause: error });

/**
 * Reads a checkpoint file. A missing file is an empty checkpoint (the first run); a file that is
 * not a valid checkpoint is refused with a {@link CheckpointError}.
 *
 * @internal
 */
export async function loadCheckpoint(path: string): Promise<ParsedCheckpoint> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return missing();
    throw unreadable(path, error);
  }
  return parseCheckpoint(data, path);
}

/** The same as {@link loadCheckpoint}, blocking. @internal */
export function loadCheckpointSync(path: string): ParsedCheckpoint {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return missing();
    throw unreadable(path, error);
  }
  return parseCheckpoint(data, path);
}

/** @internal */
export const writeFailure = (path: string, error: unknown): CheckpointError =>
  new CheckpointError(`Checkpoint ${path} could not be written: ${(error as Error).message}`, {
    path,
    phase: 'write',
    cause: error,
  });

const byteLength = (chunks: readonly Buffer[]): number => chunks.reduce((n, c) => n + c.length, 0);

let writes = 0;
const tempPath = (path: string): string => `${path}.${process.pid}-${++writes}.tmp`;

/** Writes all of `chunks` at the file's current position. @internal */
export function writeAllSync(fd: number, chunks: readonly Buffer[]): void {
  // writev takes at most IOV_MAX (1024) buffers per call on Linux.
  for (let i = 0; i < chunks.length; i += 1000) {
    let slice = chunks.slice(i, i + 1000);
    let left = byteLength(slice);
    while (left > 0) {
      const written = writevSync(fd, slice);
      if (written === 0) throw new Error('short write (0 bytes)');
      left -= written;
      // A short write (a signal, a nearly full disk): go on from where it stopped.
      let skip = written;
      while (skip > 0 && slice.length > 0 && slice[0]!.length <= skip) skip -= slice.shift()!.length;
      if (skip > 0) slice = [slice[0]!.subarray(skip), ...slice.slice(1)];
    }
  }
}

/**
 * Writes `chunks` to `path` atomically and blocking: to a temporary file next to it, flushed to
 * disk, then renamed over it (and the folder flushed). Readers (and a rerun after a crash) see
 * the old file or the new one, never half of one. Blocking, so that no signal handler or exit
 * can run while the temporary file exists: only a killed process leaves one, which
 * {@link removeStaleTemps} removes on the next start.
 *
 * @internal
 */
export function writeFileAtomicSync(path: string, chunks: readonly Buffer[]): void {
  const temp = tempPath(path);
  try {
    const fd = openSync(temp, 'w');
    try {
      writeAllSync(fd, chunks);
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // nothing to clean up
    }
    throw writeFailure(path, error);
  }
  try {
    const dir = openSync(dirname(path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    // some systems cannot flush a folder; the rename is done either way
  }
}

/**
 * Removes the temporary files that a process killed while it wrote `path` left next to it
 * (`<path>.<pid>-<n>.tmp`, of processes that are gone).
 *
 * @internal
 */
export function removeStaleTemps(path: string): void {
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // a missing folder: the first write says so
  }
  for (const name of names) {
    const own = name.startsWith(prefix) ? /^(\d+)-\d+\.tmp$/.exec(name.slice(prefix.length)) : null;
    // Temporary files of this process are stale too: its writes are blocking, none is under way.
    if (own === null || (Number(own[1]) !== process.pid && alive(Number(own[1])))) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {
      // gone already
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
