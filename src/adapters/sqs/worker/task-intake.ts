/**
 * What a worker makes of a task message before running anything: the task to run, a task to
 * drop (its execution has ended), or a rejection (the message must not run). Every check a
 * message goes through is here, in the order the worker applies them.
 */
import { MazepaError } from '../../../flows/errors.js';
import { lookupOperation } from '../../../flows/registry.js';
import type { ResourceUse } from '../../../flows/resources.js';
import { prepareTask, type PreparedTask } from '../../remote/prepare-task.js';
import type { ReplyAddress } from '../../remote/reply-address.js';
import { isOutcomeQueueUrl } from '../calls/queue-names.js';
import type { SqsConnection } from '../calls/sqs-connection.js';
import { isTaskPack } from '../messages/task-pack.js';
import { isPayloadRef, replyOf, sameTask, type PayloadRef } from '../payloads/payload-ref.js';
import type { OutcomeQueues } from './outcome-queues.js';
import type { WaitingLimiter } from './waiting-limiter.js';
import { loadTaskPayload } from './worker-payloads.js';
import { packError } from './worker-packs.js';

/** @internal A task to run, with the payload it was read from and the resources it must take first. */
export interface TaskToRun {
  readonly kind: 'run';
  readonly task: PreparedTask;
  readonly ref: PayloadRef | undefined;
  readonly resources: ResourceUse | undefined;
}

/** @internal A task whose execution has ended: its message (and payload) is deleted unrun. */
export interface TaskToDrop {
  readonly kind: 'drop';
  readonly taskId: string;
  readonly operationName: string | undefined;
  readonly executionId: string;
  readonly attempt: number;
  readonly ref: PayloadRef | undefined;
}

/** @internal A message that must not run, and why. */
export interface Rejection {
  readonly kind: 'reject';
  readonly error: Error;
  /**
   * Where to send the failed outcome: only ever an outcome queue of the task queue. `undefined`
   * when there is none to trust: the message is left to the dead-letter queue.
   */
  readonly to: ReplyAddress | undefined;
  readonly taskId: string | undefined;
  /**
   * The payload the message referred to, deleted with the message once the rejection is sent:
   * only one that passed every check (else it stays, for a lifecycle rule or `mazepa queues`).
   */
  readonly ref: PayloadRef | undefined;
}

/** @internal What {@link takeIn} makes of a message. */
export type Intake = TaskToRun | TaskToDrop | Rejection;

/** @internal What {@link takeIn} asks of its worker. */
export interface IntakeContext {
  readonly queue: SqsConnection;
  readonly outcomeQueues: OutcomeQueues;
  readonly resources: WaitingLimiter;
}

/**
 * @internal Decodes and checks a task message: a pack inside a pack, a payload that cannot be
 * read, a message that does not decode or verify, a payload holding another task, a reply
 * address that is not an outcome queue of this task queue and a task needing resources this
 * worker does not have are rejected; a task whose outcome queue is known gone is dropped. Reads
 * the payload bucket; never throws for a bad message.
 */
export async function takeIn(body: string | undefined, context: IntakeContext): Promise<Intake> {
  const { queue, outcomeQueues } = context;
  const mayReplyTo = (url: string): boolean => isOutcomeQueueUrl(url, queue.url, queue.outcomePrefix);
  // A reply address read from a message is used only when it is an outcome queue of this task queue.
  const reject = ({ to, ...rest }: Omit<Rejection, 'kind'>): Rejection => ({
    kind: 'reject',
    to: to !== undefined && mayReplyTo(to.replyTo) ? to : undefined,
    ...rest,
  });
  if (isTaskPack(body)) {
    const error = packError(body, { signingKey: queue.options.signingKey, mayReplyTo });
    return reject({ error, to: undefined, taskId: undefined, ref: undefined });
  }
  let ref: PayloadRef | undefined;
  let text: unknown = body;
  if (isPayloadRef(body)) {
    // Read and checked even when its run has ended: a forged reference naming a gone outcome
    // queue must not make the worker delete an object it did not check.
    const loaded = await loadTaskPayload(queue, body);
    if ('error' in loaded) {
      const { error, reply: to, taskId } = loaded;
      return reject({ error, to, taskId, ref: undefined }); // the object failed a check: it stays
    }
    ({ body: text, ref } = loaded);
  }
  // From here, a payload that fails a check is left where it is: rejections carry no `ref`.
  const prepared = prepareTask(text, queue.options.signingKey, ref && Number.POSITIVE_INFINITY);
  if (!prepared.ok) {
    const { error, reply, taskId } = prepared;
    return reject({ error, to: reply ?? replyOf(ref), taskId, ref: undefined });
  }
  const { envelope } = prepared.task;
  if (ref !== undefined && (!sameTask(ref, envelope) || ref.replyTo !== envelope.replyTo)) {
    const error = new MazepaError(`the payload its message refers to holds another task (${envelope.taskId})`, {
      taskId: ref.taskId,
    });
    return reject({ error, to: replyOf(ref), taskId: ref.taskId, ref: undefined });
  }
  const { taskId, operationName, executionId, attempt, replyTo } = envelope;
  if (!mayReplyTo(replyTo)) {
    const error = new MazepaError(`its reply address ${replyTo} is not an outcome queue of '${queue.name}'`);
    return reject({ error, to: undefined, taskId, ref: undefined });
  }
  // An execution whose outcome queue is gone has ended (cancelled, failed or done): nobody
  // waits for this task. Only the queue this message names counts, never its execution id.
  // Known here only; a queue not heard of lately is asked about right before the task starts.
  if (outcomeQueues.isGone(replyTo)) return { kind: 'drop', taskId, operationName, executionId, attempt, ref };
  const { resources } = context;
  const use = resources.limited ? lookupOperation(operationName)?.options.resources : undefined;
  const impossible = use === undefined ? undefined : resources.impossible(use);
  if (impossible !== undefined) {
    const error = new MazepaError(`this worker cannot run task ${taskId} ('${operationName}'): ${impossible}`, {
      taskId,
    });
    return reject({ error, to: envelope, taskId, ref });
  }
  return { kind: 'run', task: prepared.task, ref, resources: use };
}
