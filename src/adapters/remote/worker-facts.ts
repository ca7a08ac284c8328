/**
 * The facts a worker adds to its outcome messages (its host, pid, tasks done and running, memory),
 * and how an orchestrator asks for them. Envelopes are read strictly, so an outcome with a field
 * its orchestrator does not know would be refused: a worker adds them only when the run token of
 * the task message ends in {@link WORKER_FACTS_MARK}, which only orchestrators that read them
 * write. A worker that does not know the mark echoes the token as it always did, and sends none.
 */
import type { WorkerFacts } from '../../flows/worker-facts.js';
import { intField, plainObject, stringField } from './envelope-fields.js';

export type { WorkerFacts };

/**
 * @internal The end of a run token whose orchestrator reads worker facts. Run tokens are
 * base64url, which has no `.`: a token of an orchestrator that does not read them never ends so.
 */
export const WORKER_FACTS_MARK = '.w';

/** @internal Whether the orchestrator of the run token `run` reads worker facts. */
export function readsWorkerFacts(run: string | undefined): boolean {
  return run !== undefined && run.endsWith(WORKER_FACTS_MARK);
}

const FIELDS = new Set(['host', 'pid', 'done', 'running', 'rss']);

/** @internal The facts as the envelope's `worker` field: short keys, only those known. */
export function workerFactsField(facts: WorkerFacts): Record<string, unknown> {
  const field: Record<string, unknown> = { host: facts.host, pid: facts.pid };
  if (facts.tasksDone !== undefined) field.done = facts.tasksDone;
  if (facts.tasksRunning !== undefined) field.running = facts.tasksRunning;
  if (facts.rssBytes !== undefined) field.rss = facts.rssBytes;
  return field;
}

/** @internal Reads the envelope's `worker` field strictly; throws an `EnvelopeError` naming `what`. */
export function readWorkerFacts(value: unknown, what: string): WorkerFacts {
  const fields = plainObject(value, what, FIELDS);
  const count = (key: string): number | undefined =>
    fields[key] === undefined ? undefined : intField(fields, key, what, 0);
  const [tasksDone, tasksRunning, rssBytes] = [count('done'), count('running'), count('rss')];
  return {
    host: stringField(fields, 'host', what, 256),
    pid: intField(fields, 'pid', what, 0),
    ...(tasksDone === undefined ? {} : { tasksDone }),
    ...(tasksRunning === undefined ? {} : { tasksRunning }),
    ...(rssBytes === undefined ? {} : { rssBytes }),
  };
}
