import type { Message } from '@aws-sdk/client-sqs';
import { encodeBuildNotice } from '../../remote/build-notice.js';
import type { TaskEnvelope } from '../../remote/envelope.js';
import type { SigningKey } from '../../remote/envelope-signing.js';
import { thisWorker } from '../../remote/worker-address.js';
import { receiveCountOf } from './receive-limit.js';
import type { WorkerParts } from './worker-parts.js';

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

/**
 * @internal A task of another build: its message is made visible again at once for a worker of
 * that build (the log says so once per build; its run is told once, so that it fails early when
 * no worker of its build is there).
 */
export async function refuseBuild(
  parts: WorkerParts,
  message: Message,
  receipt: string,
  envelope: TaskEnvelope,
  maxReceiveCount: number | undefined,
): Promise<void> {
  const { builds, messages, onEvent } = parts;
  const { taskId, executionId, build: taskBuild } = envelope;
  const workerBuild = parts.buildId;
  if (taskBuild !== undefined && builds.firstOf(taskBuild)) {
    onEvent({ type: 'build_refused', taskBuild, workerBuild, taskId, executionId });
  }
  const notice = builds.noticeFor(envelope, workerBuild, parts.queue.options.signingKey);
  if (notice !== undefined) await messages.sendReply(envelope, notice);
  // Near its last receive, it goes back as a new message: given back, not lost, it must not
  // drift into the dead-letter queue.
  const body = message.Body;
  if (
    body === undefined ||
    messages.packs.has(receipt) ||
    maxReceiveCount === undefined ||
    receiveCountOf(message.Attributes) < maxReceiveCount - 1
  ) {
    await messages.handBack(receipt);
  } else {
    try {
      await messages.resend(receipt, body);
    } catch (error) {
      onEvent({ type: 'worker_error', error });
    } finally {
      parts.heartbeat.release(receipt);
    }
  }
  onEvent({ type: 'messages_returned', count: 1, reason: 'build' });
}
