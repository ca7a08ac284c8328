import { Command } from 'commander';
import { oneLine } from './escape-text.js';
import { EXIT } from './exit-codes.js';
import { heartbeatAgeMs, whole } from './option-parsers.js';
import type { PayloadPrefixInfo } from '../adapters/sqs/admin/payload-inventory.js';
import type { OutcomeQueueInfo } from '../adapters/sqs/admin/outcome-queue-info.js';
import type { QueueReport } from '../adapters/sqs/admin/queue-inventory.js';

/** The flags of `mazepa queues`, as commander parses them. @internal */
export interface QueuesFlags {
  readonly queueName?: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly olderThanMs?: number;
  readonly deleteOrphans?: boolean;
  readonly redrive?: boolean;
  readonly maxMessages?: number;
  readonly payloadBucket?: string;
  readonly json?: boolean;
}

/**
 * The `mazepa queues` command: shows a task queue's depth (waiting, in flight, delayed), lists
 * its outcome queues (alive, orphan or untagged; an orphan's outcomes counted) and its
 * dead-letter queue's depth (with `--payload-bucket`, also the payload objects per
 * execution); `--delete-orphans` deletes the outcome queues (and payload objects) of runs that
 * are gone (and unowned payload objects older than `--older-than-ms`), `--redrive` moves the
 * dead letters back to the task queue. Exit codes ({@link EXIT}): 0 done, 1 an SQS or S3 call
 * failed, 2 bad usage.
 *
 * @example
 * ```sh
 * mazepa queues --queue-name mazepa-tasks --payload-bucket my-bucket --delete-orphans --redrive
 * ```
 * @internal the `mazepa` bin registers it
 */
export function queuesCommand(): Command {
  return new Command('queues')
    .description(
      "list a task queue's outcome queues (and payloads) of dead runs and its dead-letter queue; clean them up",
    )
    .option('--queue-name <name>', 'the task queue')
    .option('--region <region>', 'the AWS region (default: AWS_REGION)')
    .option('--endpoint <url>', 'the SQS endpoint (default: AWS_ENDPOINT_URL_SQS)')
    .option(
      '--older-than-ms <ms>',
      'a run whose last heartbeat is older than this is gone (>= 120000); with --delete-orphans, also the age past which the payloads of runs without an outcome queue (unowned) are deleted',
      heartbeatAgeMs,
      600_000,
    )
    .option(
      '--payload-bucket <bucket>',
      "also list the runs' payload objects in this S3 bucket; with --delete-orphans, delete those of runs that are gone",
    )
    .option(
      '--delete-orphans',
      'delete the outcome queues (and, with --payload-bucket, the payload objects) of runs that are gone, and the unowned payloads older than --older-than-ms',
    )
    .option('--redrive', "move the dead-letter queue's messages back to the task queue")
    .option('--max-messages <n>', 'with --redrive: move at most n messages', whole)
    .option('--json', 'print one JSON object instead of text')
    .showHelpAfterError()
    .action(async (flags: QueuesFlags) => {
      process.exitCode = await queuesAction(flags);
    });
}

/** What `mazepa queues --json` prints. @internal */
interface QueuesResult extends QueueReport {
  readonly deleted?: readonly string[];
  readonly deletedPayloads?: readonly PayloadPrefixInfo[];
  readonly moved?: number;
  /** With --redrive: dead letters left where they are (not mazepa task messages of this task queue). */
  readonly left?: number;
}

/** Runs `mazepa queues` and returns its exit code. @internal */
export async function queuesAction(
  flags: QueuesFlags,
  out: (line: string) => void = stdoutLine,
  err: (line: string) => void = stderrLine,
): Promise<number> {
  if (flags.queueName === undefined) {
    err('mazepa queues: give --queue-name (the task queue)');
    return EXIT.usage;
  }
  if (flags.maxMessages !== undefined && flags.redrive !== true) {
    err('mazepa queues: --max-messages applies to --redrive only');
    return EXIT.usage;
  }
  const { inspectQueues, deleteOrphanPayloads, deleteOrphanQueues, redriveDeadLetters } = await import('../sqs.js');
  const options = {
    queueName: flags.queueName,
    ...(flags.region === undefined ? {} : { region: flags.region }),
    ...(flags.endpoint === undefined ? {} : { endpoint: flags.endpoint }),
    ...(flags.olderThanMs === undefined ? {} : { olderThanMs: flags.olderThanMs }),
    ...(flags.payloadBucket === undefined ? {} : { payloadBucket: flags.payloadBucket }),
  };
  let result: QueuesResult;
  try {
    result = await inspectQueues(options);
  } catch (error) {
    if (error instanceof TypeError) {
      err(`mazepa queues: ${error.message}`);
      return EXIT.usage;
    }
    err(`mazepa queues: ${oneLine(error instanceof Error ? error.message : String(error))}`);
    return EXIT.failed;
  }
  const lines = describe(result, Date.now(), flags.payloadBucket ?? '');
  try {
    if (flags.deleteOrphans === true && flags.payloadBucket !== undefined) {
      // Payloads first: once a run's outcome queue is gone, its payloads no longer show as an orphan's.
      const deletedPayloads = await deleteOrphanPayloads(options);
      result = { ...result, deletedPayloads };
      const objects = deletedPayloads.reduce((n, p) => n + p.objects, 0);
      const bytes = deletedPayloads.reduce((n, p) => n + p.bytes, 0);
      lines.push(
        `deleted the payloads of ${deletedPayloads.length} dead or unowned run(s): ${objects} object(s), ${size(bytes)}` +
          deletedPayloads.map((p) => `\n  ${oneLine(p.prefix)}`).join(''),
      );
    }
    if (flags.deleteOrphans === true) {
      const deleted = (await deleteOrphanQueues(options)).map((q) => q.name);
      result = { ...result, deleted };
      lines.push(
        `deleted ${deleted.length} orphan outcome queue(s)${deleted.map((name) => `\n  ${oneLine(name)}`).join('')}`,
      );
    }
    if (flags.redrive === true) {
      const max = flags.maxMessages === undefined ? {} : { maxMessages: flags.maxMessages };
      let left = 0;
      const moved = await redriveDeadLetters({ ...options, ...max, onLeft: (n) => (left = n) });
      result = { ...result, moved, left };
      lines.push(
        `moved ${moved} dead-letter message(s) back to ${flags.queueName}` +
          (left === 0 ? '' : `; left ${left} that are not mazepa task messages of ${flags.queueName}`),
      );
    }
  } catch (error) {
    for (const line of lines) out(line);
    err(`mazepa queues: ${oneLine(error instanceof Error ? error.message : String(error))}`);
    return EXIT.failed;
  }
  if (flags.json === true) out(JSON.stringify(result));
  else for (const line of lines) out(line);
  return EXIT.done;
}

/** The report as text, one line per queue. */
function describe(report: QueueReport, now: number, bucket: string): string[] {
  const { queueName, taskQueueUrl, outcomeQueues, deadLetter } = report;
  const depth = report.taskQueueDepth;
  const lines = [
    taskQueueUrl === undefined
      ? `task queue ${queueName}: does not exist`
      : depth === undefined
        ? `task queue ${queueName}`
        : `task queue ${queueName}: ${depth.waiting} message(s) waiting, ${depth.inFlight} in flight (held by workers), ${depth.delayed} delayed`,
  ];
  const states = ['orphan', 'alive', 'untagged'] as const;
  const tally = states.map((s) => `${outcomeQueues.filter((q) => q.state === s).length} ${s}`).join(', ');
  lines.push(`outcome queues: ${outcomeQueues.length} (${tally})`);
  // Tags and names are anyone's text (a forged tag too): escaped so that they cannot forge lines.
  for (const q of outcomeQueues) lines.push(`  ${q.state.padEnd(8)} ${oneLine(q.name)}  ${details(q, now)}`);
  if (deadLetter === undefined) lines.push('dead-letter queue: none');
  else
    lines.push(
      `dead-letter queue ${oneLine(deadLetter.name)}: ${deadLetter.messages} message(s), ${deadLetter.inFlight} in flight`,
    );
  if (report.payloads !== undefined) lines.push(...describePayloads(report.payloads, bucket));
  return lines;
}

/** The payload prefixes, one line per execution. */
function describePayloads(payloads: readonly PayloadPrefixInfo[], bucket: string): string[] {
  const states = ['orphan', 'alive', 'untagged', 'unowned'] as const;
  const tally = states.map((s) => `${payloads.filter((p) => p.state === s).length} ${s}`).join(', ');
  const lines = [`payloads in s3://${bucket}/mazepa-payloads/: ${payloads.length} run(s) (${tally})`];
  for (const p of payloads) {
    // Keys are anyone's text: escaped so that they cannot forge lines.
    const where = `${oneLine(p.prefix)}  execution ${oneLine(p.executionId)}`;
    lines.push(`  ${p.state.padEnd(8)} ${where}, ${p.objects} object(s), ${size(p.bytes)}`);
  }
  return lines;
}

/** A size in bytes, readably: `512 B`, `3.2 KiB`, `5.0 MiB`. */
function size(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function details(queue: OutcomeQueueInfo, now: number): string {
  const parts = [`execution ${queue.executionId === undefined ? '?' : oneLine(queue.executionId)}`];
  if (queue.heartbeatAt !== undefined) parts.push(`last heartbeat ${age(now - queue.heartbeatAt)} ago`);
  if (queue.outcomes === undefined) parts.push(`${queue.messages} message(s) waiting`);
  else {
    const atLeast = queue.outcomesCounted === false ? 'at least ' : '';
    parts.push(`${atLeast}${queue.outcomes} outcome(s) waiting in ${queue.messages} message(s)`);
  }
  return parts.join(', ');
}

function age(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ${minutes % 60} min` : `${Math.floor(hours / 24)} days`;
}

function stdoutLine(line: string): void {
  process.stdout.write(`${line}\n`);
}

function stderrLine(line: string): void {
  process.stderr.write(`${line}\n`);
}
