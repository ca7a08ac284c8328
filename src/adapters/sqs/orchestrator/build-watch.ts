import { MazepaError } from '../../../flows/errors.js';
import type { BuildNotice } from '../../remote/build-notice.js';
import { workerText } from '../../remote/worker-address.js';

/**
 * @internal Watches a run whose tasks workers of other builds gave back (each says so once, with
 * a build notice): when no outcome at all comes for `waitMs` after such a notice, no worker of the
 * run's build is taking its tasks (a fleet left on an old build), and the run fails, naming both
 * builds, rather than wait while its messages go round.
 */
export class BuildWatch {
  readonly #executionId: string;
  readonly #waitMs: number;
  readonly #fail: (error: Error) => void;
  readonly #refusers = new Map<string, Set<string>>();
  #outcomes = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(executionId: string, waitMs: number, fail: (error: Error) => void) {
    this.#executionId = executionId;
    this.#waitMs = waitMs;
    this.#fail = fail;
  }

  /** An outcome came: some worker takes the run's tasks. */
  outcome(): void {
    this.#outcomes++;
  }

  notice(notice: BuildNotice): void {
    if (this.#stopped) return;
    const build = notice.workerBuild ?? '(none)';
    const workers = this.#refusers.get(build) ?? new Set<string>();
    this.#refusers.set(build, workers.add(workerText(notice.worker)));
    if (this.#timer !== undefined) return;
    const seen = this.#outcomes;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#outcomes > seen || this.#stopped) return; // a worker of its build is there
      this.#fail(this.#error(notice.taskBuild));
    }, this.#waitMs);
    this.#timer.unref();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #error(taskBuild: string): MazepaError {
    const refusers = [...this.#refusers].map(([build, workers]) => {
      const list = [...workers];
      return `build ${build} (${list.slice(0, 5).join(', ')}${list.length > 5 ? `, ${list.length - 5} more` : ''})`;
    });
    return new MazepaError(
      `Execution ${this.#executionId}: its tasks are of build ${taskBuild}, and no worker of that build took ` +
        `one in ${Math.round(this.#waitMs / 1000)} s; workers of ${refusers.join(' and of ')} gave them back ` +
        `(refused: build ${taskBuild} != theirs). Start workers of build ${taskBuild} (--build-id, ` +
        'MAZEPA_BUILD_ID), or run with the build the workers have',
    );
  }
}
