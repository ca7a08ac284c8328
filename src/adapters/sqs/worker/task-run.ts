import { runPrepared } from '../../remote/run-prepared.js';
import { takeResources } from './run-ended.js';
import { finishedEvent } from './task-finished.js';
import type { TaskToRun } from './task-intake.js';
import { outcomeBody } from './worker-payloads.js';
import type { WorkerParts } from './worker-parts.js';

/**
 * @internal Runs a task once its resources are taken, sends its outcome, then deletes its
 * message. Its run may end while it waits (a reply of the run refused, its outcome queue
 * deleted): then it is dropped. Right before it starts, its outcome queue is checked (when
 * nothing was heard of it for a second: from an outcome on its way there, sent at once, else by
 * asking SQS); and once the run's outcomes stop arriving, the worker runs at most one task per
 * slot ahead of them (`ReplyGate`). `ran` frees its slot: called once the task has run, before
 * its outcome is sent.
 */
export async function runTask(
  parts: WorkerParts,
  { task, ref, resources }: TaskToRun,
  receipt: string,
  ran: () => void,
  messageId: string | undefined,
): Promise<void> {
  const { gate, messages, outcomeQueues, onEvent } = parts;
  const { envelope } = task;
  const { replyTo } = envelope;
  if (!(await gate.enter(replyTo))) return messages.drop(envelope, receipt, ref);
  let open = true;
  let sending = false;
  const answered = (arrived = false): void => {
    if (open) gate.leave(replyTo, arrived, sending);
    open = false;
  };
  try {
    if (resources !== undefined) {
      const taken = await takeResources(parts.resources, outcomeQueues, resources, replyTo);
      if (taken === 'gone') return await messages.drop(envelope, receipt, ref);
      if (!taken) return await messages.handBack(receipt); // the worker stopped first
    }
    // Not heard of for a while: an outcome on its way there tells (sent at once), else SQS is asked.
    if (!outcomeQueues.isFresh(replyTo)) await gate.nextAnswer(replyTo);
    if (!(await outcomeQueues.exists(replyTo))) {
      if (resources !== undefined) parts.resources.release(resources);
      return await messages.drop(envelope, receipt, ref);
    }
    const { taskId, operationName, executionId, attempt } = envelope;
    let outcome;
    const span = parts.telemetry?.process(envelope, messageId);
    try {
      onEvent({ type: 'task_started', taskId, operationName, executionId, attempt });
      outcome = await (span === undefined ? runPrepared(task) : span.within(() => runPrepared(task)));
    } finally {
      if (resources !== undefined) parts.resources.release(resources);
    }
    span?.end(outcome?.error, outcome?.executionSecs);
    const withFacts = parts.facts.withFacts(envelope, outcome, parts.slots.running.size);
    const { body: reply, failed } = await outcomeBody(parts.queue, envelope, withFacts);
    // Said before the slot frees: at concurrency 1 each task's line comes before the next one's
    // start, although sending the outcome overlaps the next task.
    onEvent(finishedEvent(envelope, outcome, failed));
    ran();
    gate.sending(replyTo);
    sending = true;
    const sent = await messages.sendReply(envelope, reply);
    answered(sent && !outcomeQueues.isGone(replyTo));
    if (!sent) return;
    parts.counts[failed ? 'failed' : 'succeeded']++;
    await messages.consume(receipt, ref);
  } finally {
    answered();
  }
}
