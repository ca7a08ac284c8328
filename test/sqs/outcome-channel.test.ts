// Unit tests of an execution's outcome queue on its error paths, with a stubbed SQS client.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { QueueDoesNotExist } from '@aws-sdk/client-sqs';
import { taskableOperation, type OutcomeReport } from 'mazepa';
import { SqsExecutionQueue, SqsQueueError, type SqsQueueEvent } from 'mazepa/sqs';
import { outcomeMessage } from '../../src/adapters/remote/outcome-message.js';
import { idlePoll, stubClient, type Sent } from './stub-client.js';

const KEY = 'outcome-test-key';

/** Subscribes to the outcomes of execution `e`, collecting what comes. */
function listen(queue: SqsExecutionQueue): {
  reports: OutcomeReport[];
  failure: Promise<unknown>;
  unsubscribe(): void;
} {
  const reports: OutcomeReport[] = [];
  let fail: (error: unknown) => void = () => undefined;
  const failure = new Promise<unknown>((resolve) => (fail = resolve));
  const subscription = queue.outcomes('e').subscribe({ next: (r) => reports.push(r), error: fail });
  return { reports, failure, unsubscribe: () => subscription.unsubscribe() };
}

// SQS takes only tasks of registered operations.
const echo = taskableOperation((n: number) => n, { operationName: 'outcome-channel-echo' });

/** The run token of execution `e` on `queue`: pushes a task and reads it from the message sent. */
async function runOf(queue: SqsExecutionQueue, sent: readonly Sent[]): Promise<string> {
  const task = echo.makeTask(1);
  task.executionId = 'e';
  await queue.pushTasks([task]);
  const batch = sent.find((s) => s.name === 'SendMessageBatch')!;
  return (JSON.parse(batch.input.Entries[0].MessageBody as string) as { run: string }).run;
}

function outcome(taskId: string, run: string, executionId = 'e', signingKey = KEY): string {
  const to = { replyTo: 'unused', executionId, taskId, attempt: 2, run };
  return outcomeMessage(to, { returnValue: `${taskId} done`, executionSecs: 1 }, signingKey).body;
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('SqsExecutionQueue outcomes', () => {
  it('should delete and report messages that are not valid outcomes of this run, and with a key fail no task', async () => {
    let run: (token: string) => void = () => undefined;
    const token = new Promise<string>((resolve) => (run = resolve));
    const bodies = async (): Promise<Record<string, string>> => ({
      garbage: 'not json {',
      forged: outcome('t-forged', await token, 'e', 'not-the-key'),
      unsigned: outcome('t-unsigned', await token).replace(/,"sig":"[^"]*"/, ''),
      valid: outcome('t-valid', await token),
      foreign: outcome('t-foreign', await token, 'another-execution'),
      stale: outcome('t-stale', 'a-token-of-an-earlier-run'),
    });
    let received = false;
    let deleted: (entries: { ReceiptHandle: string }[]) => void = () => undefined;
    const deletes = new Promise<{ ReceiptHandle: string }[]>((resolve) => (deleted = resolve));
    const { client, sent } = stubClient(async (name, input, signal) => {
      if (name === 'CreateQueue' || name === 'GetQueueUrl') return { QueueUrl: `http://h/000/${input.QueueName}` };
      if (name === 'DeleteMessageBatch') deleted(input.Entries);
      if (name !== 'ReceiveMessage') return {};
      if (received) return idlePoll(signal);
      received = true;
      const Messages = Object.entries(await bodies()).map(([id, Body]) => ({
        MessageId: id,
        ReceiptHandle: `r-${id}`,
        Body,
      }));
      return { Messages };
    });
    const events: SqsQueueEvent[] = [];
    const queue = new SqsExecutionQueue({
      queueName: 'q',
      client,
      signingKey: KEY,
      outcomeReceivers: 1,
      onEvent: (e) => events.push(e),
    });
    const { reports, failure, unsubscribe } = listen(queue);
    run(await runOf(queue, sent));

    // Every message is handled (then deleted) before the next receive, unless the execution fails.
    const handled = await Promise.race([deletes, failure.then((error) => ({ failed: error }))]);
    expect(handled).toEqual(
      ['garbage', 'forged', 'unsigned', 'valid', 'foreign', 'stale'].map((id, i) => ({
        Id: String(i),
        ReceiptHandle: `r-${id}`,
      })),
    );
    // With a signing key, only the verified outcome of this run touches a task.
    expect(reports.map((r) => [r.taskId, r.attempt])).toEqual([['t-valid', 2]]);
    expect(reports[0]!.outcome).toEqual({ returnValue: 't-valid done', executionSecs: 1 });
    const rejected = events.filter((e) => e.type === 'outcome_rejected');
    expect(rejected.map((e) => [e.messageId, e.taskId, e.failedTask])).toEqual([
      ['garbage', undefined, false],
      ['forged', 't-forged', false],
      ['unsigned', 't-unsigned', false],
      ['foreign', 't-foreign', false],
      ['stale', 't-stale', false],
    ]);
    expect(rejected[1]!.reason).toMatch(/signature that does not match/);
    expect(rejected[2]!.reason).toMatch(/is not signed/);
    expect(rejected[3]!.reason).toBe('an outcome of execution another-execution');
    expect(rejected[4]!.reason).toBe('an outcome of another run of execution e');
    unsubscribe();
    await queue.close();
  });

  it('should retry failed receives with backoff, and fail the execution once they have failed for maxOutageMs', async () => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(1); // the longest wait the jitter allows
    const throttled = Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
    let receives = 0;
    let run = '';
    const { client, sent } = stubClient((name, input) => {
      if (name === 'CreateQueue' || name === 'GetQueueUrl') return { QueueUrl: `http://h/000/${input.QueueName}` };
      if (name !== 'ReceiveMessage') return {};
      receives++;
      // Three failures, one outcome, then failures for good.
      if (receives === 4) return { Messages: [{ MessageId: 'm', ReceiptHandle: 'r', Body: outcome('t1', run) }] };
      throw throttled;
    });
    const events: SqsQueueEvent[] = [];
    const queue = new SqsExecutionQueue({
      queueName: 'q',
      client,
      signingKey: KEY,
      outcomeReceivers: 1,
      maxOutageMs: 30_000,
      onEvent: (e) => events.push(e),
    });
    const { reports, failure } = listen(queue);
    run = await runOf(queue, sent);

    await vi.advanceTimersByTimeAsync(0);
    expect(receives).toBe(1);
    await vi.advanceTimersByTimeAsync(499);
    expect(receives).toBe(1); // waiting out the first backoff (throttled: from 500 ms)
    await vi.advanceTimersByTimeAsync(1);
    expect(receives).toBe(2);
    await vi.runAllTimersAsync();
    const error = await failure;
    expect(reports.map((r) => r.taskId)).toEqual(['t1']);
    expect(error).toBeInstanceOf(SqsQueueError);
    expect(error).toMatchObject({ operation: 'ReceiveMessage', cause: throttled, failingForMs: 30_000 });
    expect((error as SqsQueueError).queueName).toMatch(/^q-out-e-/);
    expect((error as Error).message).toMatch(
      /^SQS ReceiveMessage on queue 'q-out-e-[0-9a-f]{6}' has failed for 30\.0 s \(8 tries; the outage budget maxOutageMs is 30000 ms\); the last error: ThrottlingException: slow down$/,
    );
    const retried = events.filter((e) => e.type === 'call_retried');
    // Doubling up to 10 s; the last wait is cut to what is left of the budget.
    expect(retried.map((e) => e.retryInMs)).toEqual([500, 1000, 2000, 500, 1000, 2000, 4000, 8000, 10_000, 4500]);
    expect(retried.at(-1)).toMatchObject({ operation: 'ReceiveMessage', failures: 7, failingForMs: 25_500 });
    expect(receives).toBe(4 + 8);
  });

  it('should cancel the execution at once when its outcome queue is deleted (from outside)', async () => {
    const { client } = stubClient((name, input) => {
      if (name === 'CreateQueue') return { QueueUrl: `http://h/000/${input.QueueName}` };
      if (name === 'ReceiveMessage') throw new QueueDoesNotExist({ message: 'gone', $metadata: {} });
      return {};
    });
    const events: SqsQueueEvent[] = [];
    const queue = new SqsExecutionQueue({
      queueName: 'q',
      client,
      outcomeReceivers: 1,
      onEvent: (e) => events.push(e),
    });
    const error = await listen(queue).failure;
    expect(error).toMatchObject({ name: 'MazepaCancelledError', executionId: 'e' });
    expect((error as Error).cause).toMatchObject({ name: 'SqsQueueError', operation: 'ReceiveMessage' });
    expect(events.filter((e) => e.type === 'call_retried')).toEqual([]);
  });

  it('should report an outcome queue it could not delete, with its URL (by default as a warning)', async () => {
    const denied = Object.assign(new Error('not allowed'), { name: 'AccessDenied' });
    const { client } = stubClient((name, input, signal) => {
      if (name === 'CreateQueue') return { QueueUrl: `http://h/000/${input.QueueName}` };
      if (name === 'ReceiveMessage') return idlePoll(signal);
      if (name === 'DeleteQueue') throw denied;
      return {};
    });
    const events: SqsQueueEvent[] = [];
    const queue = new SqsExecutionQueue({ queueName: 'q', client, onEvent: (e) => events.push(e) });
    listen(queue).unsubscribe();
    await queue.close(); // waits for the outcome queue's deletion
    expect(events).toEqual([
      {
        type: 'queue_not_deleted',
        queueName: expect.stringMatching(/^q-out-e-[0-9a-f]{6}$/),
        queueUrl: expect.stringMatching(/^http:\/\/h\/000\/q-out-e-[0-9a-f]{6}$/),
        error: expect.objectContaining({ operation: 'DeleteQueue', cause: denied }),
      },
    ]);

    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const quiet = new SqsExecutionQueue({ queueName: 'q', client });
    listen(quiet).unsubscribe();
    await quiet.close();
    expect(warn).toHaveBeenCalledExactlyOnceWith(
      expect.stringMatching(
        /^mazepa: outcome queue 'q-out-e-\w{6}' could not be deleted, delete it by hand: http:\/\/h\/000\/q-out-e-\w{6} \(SQS DeleteQueue on queue 'q-out-e-\w{6}' failed: AccessDenied: not allowed\)$/,
      ),
    );
  });
});
