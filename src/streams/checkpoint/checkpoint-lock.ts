/**
 * A checkpoint in use by a live run is not used by a second one: a run with a checkpoint holds
 * `<checkpoint>.lock` (its pid, host and execution) from before it reads the file until it ends.
 * A second run is refused with a {@link CheckpointError} naming the checkpoint and the live
 * execution; a lock whose holder is gone (a process of this host that no longer runs) is taken over.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { CheckpointError } from './checkpoint-error.js';

/** @internal What a lock file says. */
interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly executionId: string;
  readonly since: string;
}

/** @internal A checkpoint lock held by this process. */
export interface CheckpointLock {
  /** Records the execution the run goes on as (a re-attached run takes the earlier one's id). */
  update(executionId: string): void;
  /** Gives the lock up (only if it is still this run's). */
  release(): void;
}

/** @internal The lock file of a checkpoint. */
export function lockPath(checkpoint: string): string {
  return `${checkpoint}.lock`;
}

/**
 * @internal Takes the lock of `checkpoint` for a run of `executionId`, or throws a
 * {@link CheckpointError} when a live run holds it (or one on another host, which cannot be told).
 */
export function takeCheckpointLock(checkpoint: string, executionId: string): CheckpointLock {
  const path = lockPath(checkpoint);
  let mine: LockHolder = { pid: process.pid, host: hostname(), executionId, since: new Date().toISOString() };
  for (let tries = 0; ; tries++) {
    try {
      writeFileSync(path, JSON.stringify(mine), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 2) {
        throw new CheckpointError(`The checkpoint ${checkpoint} could not be locked: ${(error as Error).message}`, {
          path: checkpoint,
          cause: error,
        });
      }
    }
    const holder = readHolder(path);
    if (holder !== undefined && !holderGone(holder)) {
      const where = holder.host === hostname() ? `pid ${holder.pid}` : `pid ${holder.pid} on host ${holder.host}`;
      throw new CheckpointError(
        `The checkpoint ${checkpoint} is in use by execution ${holder.executionId} (${where}, since ${holder.since}): ` +
          `a second run must not use it while that one goes on. Wait for it to end, or give another checkpoint` +
          (holder.host === hostname() ? '' : `; if that run is gone, delete ${path}`),
        { path: checkpoint },
      );
    }
    // Its holder is gone (or the file is torn): taken over.
    try {
      unlinkSync(path);
    } catch {
      // another run took it over first: the next try sees its lock
    }
  }
  let released = false;
  return {
    update(id) {
      if (released || id === mine.executionId) return;
      mine = { ...mine, executionId: id };
      if (isMine(path, mine)) writeFileSync(path, JSON.stringify(mine));
    },
    release() {
      if (released) return;
      released = true;
      if (isMine(path, mine)) unlinkSync(path);
    },
  };
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    const { pid, host, executionId, since } = holder;
    if (typeof pid !== 'number' || typeof host !== 'string' || typeof executionId !== 'string') return undefined;
    return { pid, host, executionId, since: typeof since === 'string' ? since : '?' };
  } catch {
    return undefined; // torn or gone: nobody holds it
  }
}

/** Whether the holder is known to be gone: a process of this host that no longer runs. */
function holderGone(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return false; // cannot be told from here
  if (holder.pid === process.pid) return false; // another run of this process
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function isMine(path: string, mine: LockHolder): boolean {
  const holder = readHolder(path);
  return holder?.pid === mine.pid && holder.host === mine.host && holder.since === mine.since;
}
