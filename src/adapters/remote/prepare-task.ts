import { decodeTaskArgs, decodeTaskEnvelope, type TaskEnvelope } from './envelope.js';
import type { SigningKey } from './envelope-signing.js';
import { MazepaError } from '../../flows/errors.js';
import { lookupOperation, mazepaCopies, registeredOperationNames } from '../../flows/registry.js';
import { salvageReplyAddress, type ReplyAddress } from './reply-address.js';

/** A task message made ready to run: its operation found and its arguments decoded. @internal */
export interface PreparedTask {
  readonly envelope: TaskEnvelope;
  readonly fn: (...args: any[]) => unknown;
  readonly args: unknown[];
  readonly runtimeLimitMs: number | undefined;
}

/** A message that must not run, why, and where to report it if that can be read. @internal */
export interface RejectedMessage {
  readonly error: Error;
  readonly reply: ReplyAddress | undefined;
  readonly taskId: string | undefined;
}

/** What {@link prepareTask} makes of a message. @internal */
export type Preparation =
  { readonly ok: true; readonly task: PreparedTask } | ({ readonly ok: false } & RejectedMessage);

/**
 * Decodes and checks a task message and finds its operation in the registry; nothing in the
 * message is evaluated. A message that does not decode, fails its signature check or names an
 * operation this process has not registered is rejected, with its reply address if readable
 * and, when `signingKey` is set, verified. `maxBytes` limits the text (default 256 KiB). Never throws.
 *
 * @internal
 */
export function prepareTask(body: unknown, signingKey: SigningKey | undefined, maxBytes?: number): Preparation {
  let envelope: TaskEnvelope;
  try {
    envelope = decodeTaskEnvelope(body, { signingKey, maxBytes });
  } catch (error) {
    const salvaged = salvageReplyAddress(body);
    // With a signing key, an address in a message that did not verify is the sender's word: no
    // reply goes there (the message is left to the dead-letter queue).
    const reply = signingKey === undefined ? salvaged : undefined;
    return { ok: false, error: asError(error), reply, taskId: salvaged?.taskId };
  }
  const reply: ReplyAddress = envelope;
  const operation = lookupOperation(envelope.operationName);
  if (operation === undefined) {
    const known = registeredOperationNames();
    const error = new MazepaError(
      `Operation '${envelope.operationName}' is not registered in this worker ` +
        `(registered: ${known.length === 0 ? 'none' : known.slice(0, 20).join(', ')}); ` +
        'start the worker with --import for the module that defines it' +
        twoCopiesHint(),
      { taskId: envelope.taskId },
    );
    return { ok: false, error, reply, taskId: envelope.taskId };
  }
  // Code that changed what it returns has a new version: a worker with another one refuses it.
  const registered = operation.options.version;
  if (envelope.version !== registered) {
    const error = new MazepaError(
      `Operation '${envelope.operationName}' has version ${describeVersion(registered)} in this worker, but task ` +
        `${envelope.taskId} was made with version ${describeVersion(envelope.version)}: the worker runs other code ` +
        'than the orchestrator; restart the workers with the same code (a buildId keeps builds apart)',
      { taskId: envelope.taskId },
    );
    return { ok: false, error, reply, taskId: envelope.taskId };
  }
  let decoded: ReturnType<typeof decodeTaskArgs>;
  try {
    decoded = decodeTaskArgs(envelope);
  } catch (error) {
    return { ok: false, error: asError(error), reply, taskId: envelope.taskId };
  }
  // A limit in the message may shorten the operation's own, never lengthen it.
  const runtimeLimitMs = smaller(envelope.runtimeLimitMs, operation.options.runtimeLimitMs);
  if (operation.kind === 'function') {
    return { ok: true, task: { envelope, fn: operation.fn, args: decoded.args, runtimeLimitMs } };
  }
  const { cls } = operation;
  const constructorArgs = decoded.constructorArgs ?? [];
  // The instance is built when the task runs, so a throwing constructor fails the task.
  const fn = (...args: unknown[]): unknown => new cls(...constructorArgs).call(...args);
  return { ok: true, task: { envelope, fn, args: decoded.args, runtimeLimitMs } };
}

function smaller(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new MazepaError(String(error));
}

function describeVersion(version: string | number | undefined): string {
  return version === undefined ? '(none)' : JSON.stringify(version);
}

/** Why a registered operation may not be seen: two copies of mazepa in the process, each with its own registry. */
function twoCopiesHint(): string {
  const copies = mazepaCopies();
  if (copies.length < 2) return '';
  return (
    `. Note: ${copies.length} copies of mazepa are loaded in this process (${copies.join(', ')}): the modules ` +
    'given to --import registered their operations with the copy they import, not with the one running this ' +
    "worker (e.g. a global mazepa command and the project's own); run the worker of the project's install " +
    '(node --import tsx node_modules/.bin/mazepa worker ..., or npx mazepa worker ...)'
  );
}
