// `mazepa cancel` ends a running execution from outside: its orchestrator rejects with
// MazepaCancelledError, and a real worker drops its tasks instead of running them.
import { CreateQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { MazepaCancelledError, execute } from 'mazepa';
import { SqsExecutionQueue, cancelExecution } from 'mazepa/sqs';
import { hold } from '../fixtures/sqs/ops.js';
import { spawnScript } from '../fixtures/run/spawn-mazepa.js';
import { makeQueue, queueNames, queueUrl, startWorker, useEmulator, workerEnv } from './helpers.js';
import { readQueueDepth } from '../../src/adapters/sqs/calls/queue-depth.js';
import { outcomeQueueName } from '../../src/adapters/sqs/calls/queue-names.js';
import { OUTCOME_TAGS } from '../../src/adapters/sqs/orchestrator/outcome-heartbeat.js';

const emulator = useEmulator();

function mazepaCancel(args: readonly string[]) {
  return spawnScript('src/cli/main.ts', ['cancel', ...args], workerEnv(emulator.endpoint)).exited;
}

describe('mazepa cancel', () => {
  it('should end a running execution: its orchestrator rejects as cancelled, its worker drops its tasks', async () => {
    const client = emulator.client;
    const QUEUE = 'cancel-tasks';
    const control = await makeQueue(client, 'cancel-control');
    const worker = startWorker(emulator.endpoint, QUEUE, ['--concurrency', '1']);
    await worker.waitFor(/started on queue/);
    const queue = new SqsExecutionQueue({ queueName: QUEUE, client, maxTasksPerMessage: 1 });
    const tasks = Array.from({ length: 5 }, (_, i) => hold.makeTask(`h${i}`, 'cancel-control'));
    const run = execute(tasks, { queue, executionId: 'cancel-me', showProgress: false });
    const settled = run.then(
      () => undefined,
      (error: unknown) => error,
    );
    await worker.waitFor(/^started h\d /); // one task runs, four wait in the task queue
    // What the progress display asks: the worker holds the running task (and may hold more).
    const depth = await queue.depth();
    expect(depth.inFlight).toBeGreaterThanOrEqual(1);
    expect(depth.waiting + depth.inFlight + depth.delayed).toBe(5);

    const cancelled = await mazepaCancel(['--queue-name', QUEUE, '--execution-id', 'cancel-me']);
    expect(cancelled.stderr).toBe('');
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toMatch(
      /^cancelled execution cancel-me: deleted its outcome queue\(s\) cancel-tasks-out-cancel-me-/,
    );
    const error = await settled;
    expect(error).toBeInstanceOf(MazepaCancelledError);
    expect((error as MazepaCancelledError).executionId).toBe('cancel-me');
    expect((error as Error).message).toMatch(
      /was cancelled: its outcome queue 'cancel-tasks-out-cancel-me-\w+' was deleted/,
    );
    await queue.close();

    // The running task finishes (its outcome has nowhere to go). Its worker heard of the outcome
    // queue when it took that task in, seconds ago: before it starts another task of the run it
    // asks again, or learns from the refused reply; either way the run's other tasks are dropped,
    // at most one per slot started (here one slot). Every task is either run or dropped, once.
    for (const MessageBody of ['go', 'go'])
      await client.send(new SendMessageCommand({ QueueUrl: control, MessageBody }));
    const dropped = (): number =>
      worker.stderr.filter((line) => / dropped, not run: its execution cancel-me has ended/.test(line)).length;
    const started = (): number => worker.stdout.filter((line) => line.startsWith('started ')).length;
    while (dropped() + started() < 5) await worker.nextLine();
    expect(started()).toBeLessThanOrEqual(2);
    expect(dropped()).toBeGreaterThanOrEqual(3);
    expect(started() + dropped()).toBe(5);
    const url = await queueUrl(client, QUEUE);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await readQueueDepth(client, url, QUEUE)).toEqual({ waiting: 0, inFlight: 0, delayed: 0 });
    expect(await queueNames(client, `${QUEUE}-out-`)).toEqual([]);
  });

  it('should find an execution whose outcome queue name is a hash (a long id) by its tags, and no other', async () => {
    const client = emulator.client;
    await makeQueue(client, 'cancel-long');
    const longId = `nightly-${'x'.repeat(90)}`;
    const tagged = async (executionId: string, nonce: string): Promise<string> => {
      const name = outcomeQueueName('cancel-long', executionId, nonce);
      await client.send(
        new CreateQueueCommand({
          QueueName: name,
          tags: {
            [OUTCOME_TAGS.taskQueue]: 'cancel-long',
            [OUTCOME_TAGS.executionId]: executionId,
            [OUTCOME_TAGS.heartbeat]: String(Date.now()),
          },
        }),
      );
      return name;
    };
    const ours = await tagged(longId, 'a1b2c3');
    const other = await tagged(`${longId}-other`, 'd4e5f6');
    expect(ours).toMatch(/^cancel-long-out-[A-Za-z0-9_-]{22}$/);
    const deleted = await cancelExecution({ queueName: 'cancel-long', executionId: longId, client });
    expect(deleted.map((q) => q.name)).toEqual([ours]);
    expect(await queueNames(client, 'cancel-long-out-')).toEqual([other]);
  });

  it('should exit 1 when the execution is not running there, and 2 without its flags', async () => {
    await makeQueue(emulator.client, 'cancel-none');
    const [none, usage] = await Promise.all([
      mazepaCancel(['--queue-name', 'cancel-none', '--execution-id', 'nobody']),
      mazepaCancel(['--queue-name', 'cancel-none']),
    ]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('execution nobody has no outcome queue on cancel-none: it is not running there');
    expect(usage.code).toBe(2);
    await expect(cancelExecution({ queueName: 'cancel-none', executionId: '' })).rejects.toThrow(
      /option 'executionId' must be a non-empty string/,
    );
  });
});
