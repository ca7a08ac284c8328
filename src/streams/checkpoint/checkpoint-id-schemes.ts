import { TASK_ID_SCHEME, TASK_ID_SCHEMES, taskIdUnder, type TaskIdScheme } from '../../flows/ids.js';
import type { Task, TaskOutcome } from '../../flows/task.js';
import { CheckpointError } from './checkpoint-error.js';
import type { ParsedCheckpoint } from './checkpoint-format.js';

/** The `m` field that names the schemes of the task ids a checkpoint holds. @internal */
export const ID_SCHEMES_FIELD = 'taskIds';

/** How a run reads and records the task ids of a loaded checkpoint. @internal */
export interface CheckpointIds {
  /** The schemes to record in the file: those it holds, and this mazepa's. */
  readonly schemes: readonly TaskIdScheme[];
  /** Finds the outcome of a task under its id of an older scheme; undefined when the file holds only this one's. */
  readonly completedUnder: ((task: Task) => TaskOutcome | undefined) | undefined;
}

/**
 * Reads which id schemes a loaded checkpoint holds (its `taskIds` metadata; a file without it was
 * written before ids had schemes, with `sha256-128`). Tasks of another scheme than this mazepa's
 * are found by deriving their id under that scheme too, so an old checkpoint resumes with the ids
 * it was written with; new records get this mazepa's ids, and the file then names both schemes.
 * A scheme this mazepa does not know (a newer mazepa wrote the file) is refused with a
 * {@link CheckpointError}: its tasks could not be matched, and would all run again.
 *
 * @internal
 */
export function checkpointIds(
  path: string,
  loaded: Pick<ParsedCheckpoint, 'meta' | 'completed' | 'pushed'>,
): CheckpointIds {
  const field = loaded.meta[ID_SCHEMES_FIELD];
  let held: readonly string[];
  if (field === undefined) {
    const empty = loaded.completed.size === 0 && loaded.pushed.size === 0;
    held = empty ? [] : ['sha256-128'];
  } else if (Array.isArray(field) && field.every((s) => typeof s === 'string')) held = field as string[];
  else {
    throw new CheckpointError(
      `Checkpoint ${path} is corrupt: its '${ID_SCHEMES_FIELD}' metadata is not a list of id schemes`,
      { path },
    );
  }
  const unknown = held.filter((s) => !(TASK_ID_SCHEMES as readonly string[]).includes(s));
  if (unknown.length > 0) {
    throw new CheckpointError(
      `Checkpoint ${path} holds task ids of scheme ${unknown.map((s) => `'${s}'`).join(', ')}, which this ` +
        `mazepa cannot derive (it knows ${TASK_ID_SCHEMES.map((s) => `'${s}'`).join(', ')}; a newer mazepa ` +
        'wrote the file?): its tasks could not be matched and would all run again. Resume with the mazepa ' +
        'that wrote it, or move the file away to start afresh',
      { path },
    );
  }
  const others = (held as TaskIdScheme[]).filter((s) => s !== TASK_ID_SCHEME);
  const schemes = [...new Set([...(held as TaskIdScheme[]), TASK_ID_SCHEME])];
  if (others.length === 0) return { schemes, completedUnder: undefined };
  const { completed } = loaded;
  return {
    schemes,
    completedUnder(task) {
      for (const scheme of others) {
        const id = taskIdUnder(task, scheme);
        const outcome = id === undefined ? undefined : completed.get(id);
        if (outcome !== undefined) return outcome;
      }
      return undefined;
    },
  };
}
