import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CheckpointError } from './checkpoint-error.js';

/**
 * Checks, before any task runs, that a checkpoint can be written at `path`: its folder exists
 * and is writable, and the path is not a folder. Otherwise the run would find out only at its
 * first write, after its work was done. Throws a {@link CheckpointError} (`phase: 'load'`).
 *
 * @internal
 */
export async function checkCheckpointFolder(path: string): Promise<void> {
  const folder = dirname(resolve(path));
  const refuse = (why: string, cause?: unknown): never => {
    throw new CheckpointError(`Checkpoint ${path} cannot be written: ${why}`, {
      path,
      ...(cause === undefined ? {} : { cause }),
    });
  };
  const info = await stat(folder).catch((error: NodeJS.ErrnoException) =>
    refuse(
      error.code === 'ENOENT' || error.code === 'ENOTDIR'
        ? `its folder ${folder} does not exist (create it first)`
        : `its folder ${folder} cannot be read: ${error.message}`,
      error,
    ),
  );
  if (!info.isDirectory()) refuse(`${folder} is not a folder`);
  await access(folder, constants.W_OK | constants.X_OK).catch((error: unknown) =>
    refuse(`its folder ${folder} is not writable`, error),
  );
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory() === true) refuse('it is a folder, not a file');
  if (existing !== undefined) {
    await access(path, constants.W_OK).catch((error: unknown) => refuse('the file is not writable', error));
  }
}
