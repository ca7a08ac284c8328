import { encodeBuildNotice } from '../../remote/build-notice.js';
import type { TaskEnvelope } from '../../remote/envelope.js';
import type { SigningKey } from '../../remote/envelope-signing.js';
import { thisWorker } from '../../remote/worker-address.js';

/**
 * @internal What a worker tells of the tasks of other builds it gives back: the log, once per
 * build; each run, once (a build notice to its outcome queue, so that a run no worker of its
 * build takes fails early instead of waiting). A worker that gave tasks back pauses its
 * receives briefly, so that it does not take the same messages again and again.
 */
export class BuildRefusals {
  readonly #said = new Set<string>();
  readonly #told = new Set<string>();
  #pauseUntil = 0;

  /** Whether a task of `taskBuild` is the first of its build given back (to say so once). */
  firstOf(taskBuild: string): boolean {
    if (this.#said.has(taskBuild)) return false;
    this.#said.add(taskBuild);
    return true;
  }

  /** The notice to send to the task's run, the first time one of its tasks is given back; else `undefined`. */
  noticeFor(
    envelope: TaskEnvelope,
    workerBuild: string | undefined,
    signingKey: SigningKey | undefined,
  ): string | undefined {
    this.#pauseUntil = Date.now() + 1000;
    if (this.#told.has(envelope.replyTo) || envelope.build === undefined) return undefined;
    this.#told.add(envelope.replyTo);
    const { executionId, run, build: taskBuild } = envelope;
    return encodeBuildNotice({ executionId, run, taskBuild, workerBuild, worker: thisWorker() }, { signingKey });
  }

  /** Milliseconds the receives wait, after tasks were given back. */
  pauseMs(): number {
    return Math.max(0, this.#pauseUntil - Date.now());
  }
}

/** @internal Whether a worker of `workerBuild` must not run a task of `taskBuild` (a run without a build id runs anywhere). */
export function isOtherBuild(taskBuild: string | undefined, workerBuild: string | undefined): taskBuild is string {
  return taskBuild !== undefined && taskBuild !== workerBuild;
}
