/**
 * The worker room: what `mazepa worker` and {@link runWorker} run on a machine that does the
 * work. A worker receives task messages from the task queue, takes each in (decoded, checked,
 * or rejected: `task-intake.ts`), runs it while a heartbeat keeps its message hidden, sends its
 * outcome to its execution's outcome queue and deletes the message. It shares only the
 * connection (`calls/sqs-connection.ts`) and the message formats with the orchestrator.
 */
import { loadOtel } from '../../../streams/telemetry/otel-api.js';
import { SqsWorker } from './worker.js';
import { resolveWorkerOptions, type RunWorkerOptions, type WorkerSummary } from './worker-options.js';

/**
 * Runs tasks from an SQS task queue in this process until stopped (by `signal`, `maxRuntimeMs`
 * or `idleTimeoutMs`), then lets the running tasks finish and resolves to a summary. Keeps up to
 * `concurrency` tasks running, extends their messages' visibility while they run, sends each
 * outcome to its execution's outcome queue and only then deletes the task message; a task
 * whose outcome queue is gone (its execution has ended) is deleted without running. A message
 * that does not decode, fails its signature or names an unregistered operation is never run:
 * it is failed back to its execution where its reply address can be read (and, with a signing
 * key, verified), else left to the dead-letter queue. A reply goes only to an outcome queue of
 * the task queue: same origin and account, name `<queueName>-out-…`. Operations must be
 * registered (import the modules that define them). A message holding several tasks (a pack)
 * has each run in a slot of its own, and is deleted once all of them are done with.
 *
 * @example
 * ```ts
 * import { SqsExecutionQueue, runWorker } from 'mazepa/sqs';
 * import '../my-operations.js';
 * const stop = new AbortController();
 * process.once('SIGTERM', () => stop.abort());
 * const queue = new SqsExecutionQueue({ queueName: 'mazepa-tasks' });
 * const summary = await runWorker({ queue, concurrency: 4, signal: stop.signal });
 * ```
 */
export async function runWorker(options: RunWorkerOptions): Promise<WorkerSummary> {
  const resolved = resolveWorkerOptions(options);
  const connection = await resolved.queue.connect({ maxOutageMs: resolved.maxOutageMs, onRetry: resolved.onEvent });
  await loadOtel(); // its spans need the API looked for first (one dynamic import per process)
  return new SqsWorker(resolved, connection).run();
}
