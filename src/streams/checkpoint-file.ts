import type { Buffer } from 'node:buffer';
import { closeSync, fdatasyncSync, openSync, readFileSync, renameSync, unlinkSync, writevSync } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { CheckpointError } from './checkpoint-error.js';
import { createCheckpointLog, parseCheckpoint, type ParsedCheckpoint } from './checkpoint-format.js';

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
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { completed: new Map(), meta: {}, log: createCheckpointLog() };
    }
    throw new CheckpointError(`Checkpoint ${path} cannot be read: ${(error as Error).message}`, { path, cause: error });
  }
  return parseCheckpoint(data, path);
}

/** The same as {@link loadCheckpoint}, blocking. @internal */
export function loadCheckpointSync(path: string): ParsedCheckpoint {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { completed: new Map(), meta: {}, log: createCheckpointLog() };
    }
    throw new CheckpointError(`Checkpoint ${path} cannot be read: ${(error as Error).message}`, { path, cause: error });
  }
  return parseCheckpoint(data, path);
}

const byteLength = (chunks: readonly Buffer[]): number => chunks.reduce((n, c) => n + c.length, 0);

let writes = 0;
// One temporary file per write: a last blocking write may overlap an async one still running.
const tempPath = (path: string): string => `${path}.${process.pid}-${++writes}.tmp`;

/**
 * Writes `chunks` to `path` atomically: to a temporary file next to it, flushed to disk, then
 * renamed over it. Readers (and a rerun after a crash) see the old file or the new one, never
 * half of one.
 *
 * @internal
 */
export async function writeFileAtomic(path: string, chunks: readonly Buffer[]): Promise<void> {
  const temp = tempPath(path);
  try {
    const handle = await open(temp, 'w');
    try {
      // writev takes at most IOV_MAX (1024) buffers per call on Linux.
      for (let i = 0; i < chunks.length; i += 1000) {
        const slice = chunks.slice(i, i + 1000);
        const { bytesWritten } = await handle.writev(slice);
        if (bytesWritten !== byteLength(slice)) throw new Error(`short write (${bytesWritten} bytes)`);
      }
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw new CheckpointError(`Checkpoint ${path} could not be written: ${(error as Error).message}`, {
      path,
      phase: 'write',
      cause: error,
    });
  }
}

/** The same as {@link writeFileAtomic}, blocking: for the last write while the process goes down. @internal */
export function writeFileAtomicSync(path: string, chunks: readonly Buffer[]): void {
  const temp = tempPath(path);
  try {
    const fd = openSync(temp, 'w');
    try {
      for (let i = 0; i < chunks.length; i += 1000) {
        const slice = chunks.slice(i, i + 1000);
        const written = writevSync(fd, slice);
        if (written !== byteLength(slice)) throw new Error(`short write (${written} bytes)`);
      }
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
    throw new CheckpointError(`Checkpoint ${path} could not be written: ${(error as Error).message}`, {
      path,
      phase: 'write',
      cause: error,
    });
  }
}
