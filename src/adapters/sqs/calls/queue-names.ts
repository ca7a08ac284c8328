import { digest } from '../../../flows/ids.js';

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const PREFIX_MAX = 48;

/** @internal Whether `name` is a valid standard SQS queue name. */
export function isQueueName(name: unknown): name is string {
  return typeof name === 'string' && QUEUE_NAME.test(name);
}

/** @internal The last path segment of a queue URL: the queue's name. */
export function queueNameFromUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/**
 * @internal Whether `replyTo` is the URL of an outcome queue of the task queue at `taskQueueUrl`:
 * the same origin (protocol, host and port) and account path, and a queue name starting with
 * `prefix`. A worker replies only to such a URL: a forged reply address must not make it send
 * signed requests to another host or into another account. `replyTo` must be in normal form
 * (what `new URL(replyTo).href` gives), so the URL checked is exactly the URL a reply goes to.
 */
export function isOutcomeQueueUrl(replyTo: string, taskQueueUrl: string, prefix: string): boolean {
  const reply = parseHttpUrl(replyTo);
  const task = parseHttpUrl(taskQueueUrl.replace(/\/+$/, ''));
  if (reply === undefined || task === undefined || reply.origin !== task.origin) return false;
  // The address checked is the one used: only a URL already in normal form (no `..`, no default
  // port, no upper-case host, no escapes to undo) is accepted, so nothing rewrites it afterwards.
  if (reply.href !== replyTo || /[?#]/.test(replyTo)) return false;
  if (reply.username !== '' || reply.password !== '' || reply.search !== '' || reply.hash !== '') return false;
  const parent = (path: string): string => path.slice(0, path.lastIndexOf('/') + 1);
  const name = reply.pathname.slice(reply.pathname.lastIndexOf('/') + 1);
  return parent(reply.pathname) === parent(task.pathname) && name.startsWith(prefix) && isQueueName(name);
}

function parseHttpUrl(text: string): URL | undefined {
  if (!URL.canParse(text)) return undefined;
  const url = new URL(text);
  return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
}

/** @internal The name of the dead-letter queue of `queueName`. */
export function deadLetterQueueName(queueName: string): string {
  return `${queueName.slice(0, 76)}-dlq`;
}

/**
 * @internal The prefix of every outcome queue of `queueName`: workers reply only to queues whose
 * name starts with it, on the task queue's host and account ({@link isOutcomeQueueUrl}).
 */
export function outcomeQueuePrefix(queueName: string): string {
  return `${queueName.slice(0, PREFIX_MAX)}-out-`;
}

/**
 * @internal The outcome queue of one execution: the task queue's name, the execution id and a
 * short random `nonce` when they fit in 80 characters, else a hash of them. The nonce lets a run
 * that reuses an execution id start at once: SQS refuses, for 60 s, to recreate a queue under
 * the name of one just deleted.
 */
export function outcomeQueueName(queueName: string, executionId: string, nonce = ''): string {
  const prefix = outcomeQueuePrefix(queueName);
  const readable = `${prefix}${executionId}${nonce === '' ? '' : `-${nonce}`}`;
  if (readable.length <= 80 && isQueueName(readable)) return readable;
  return `${prefix}${digest(`${queueName}\u0000${executionId}\u0000${nonce}`)}`;
}

/**
 * @internal Whether `name` has the exact shape of an outcome queue of `queueName`, as
 * {@link outcomeQueueName} makes them with a nonce: the prefix, then an execution id and six hex
 * digits, or the 22-character hash. A queue that merely shares the prefix (`tasks-outx`, the
 * task queue `tasks-out-x`) does not; names alone cannot tell every case apart (execution ids
 * may hold dashes), so the queue's tags have the last word ({@link OUTCOME_TAGS}).
 */
export function isOutcomeQueueNameOf(name: string, queueName: string): boolean {
  const prefix = outcomeQueuePrefix(queueName);
  if (!name.startsWith(prefix) || !isQueueName(name)) return false;
  const rest = name.slice(prefix.length);
  return /^[A-Za-z0-9_-]{1,64}-[0-9a-f]{6}$/.test(rest) || /^[A-Za-z0-9_-]{22}$/.test(rest);
}
