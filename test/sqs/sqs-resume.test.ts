// A SIGKILLed `mazepa run --queue-name --checkpoint`, rerun: it re-attaches to the killed run's
// outcome queue and no task runs twice (real CLI orchestrator and workers, SQS emulator).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteMessageCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsExecutionQueue } from 'mazepa/sqs';
import { type MazepaChild } from '../fixtures/run/spawn-mazepa.js';
import { startFaultProxy } from './fault-proxy.js';
import { queueNames, runCounted, startWorker, type WorkerProcess, useEmulator } from './helpers.js';

const emulator = useEmulator();
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mazepa-sqs-resume-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the `counted` flow: its first `free` tasks to start return at once, the others once the gate opens. */
function run(
  queueName: string,
  log: string,
  checkpoint: string,
  n: number,
  free: number,
  endpoint = emulator.endpoint,
): MazepaChild {
  return runCounted(
    endpoint,
    [log, n, free],
    ['--queue-name', queueName, '--checkpoint', checkpoint, '--resume-empty', '2'],
  );
}

/**
 * Reruns the flow through a fault proxy (faults off) that watches its calls: a rerun that
 * re-attaches creates no queue, so one that calls CreateQueue (a fresh outcome queue) fails
 * here at once, with a message, rather than hanging or failing later on what ran twice.
 */
async function rerun(...args: Parameters<typeof run>): MazepaChild['exited'] {
  const proxy = await startFaultProxy(emulator.endpoint);
  try {
    const second = run(...(args.slice(0, 5) as [string, string, string, number, number]), proxy.endpoint);
    const created = proxy.answered('CreateQueue', 1).then(() => undefined);
    const result = await Promise.race([second.exited, created]);
    if (result === undefined) {
      second.child.kill('SIGKILL');
      await second.exited;
      throw new Error('the rerun did not re-attach to the killed run: it created an outcome queue of its own');
    }
    return result;
  } finally {
    await proxy.stop();
  }
}

/** The outcome queue name the checkpoint records last. */
function recordedOutcomeQueue(checkpoint: string): string | undefined {
  const names = [...readFileSync(checkpoint, 'utf8').matchAll(/"outcomeQueueName":"([^"]+)"/g)];
  return names.at(-1)?.[1];
}

/** How often each task ran, from the lines the fixture appends. */
function runs(log: string, n: number): number[] {
  const counts = Array.from({ length: n }, () => 0);
  for (const line of readFileSync(log, 'utf8').split('\n')) if (line !== '') counts[Number(line)]!++;
  return counts;
}

/** Resolves once the workers together printed `count` lines `counted <i>`. */
async function counted(workers: readonly WorkerProcess[], count: number): Promise<void> {
  const total = (): number => workers.reduce((n, w) => n + w.stdout.filter((l) => l.startsWith('counted ')).length, 0);
  while (total() < count) await Promise.race(workers.map((w) => w.nextLine()));
}

describe('mazepa run --queue-name --checkpoint, SIGKILLed and rerun', () => {
  it('should re-attach to the killed run: each task runs once, but for what SQS itself redelivers', async () => {
    const queueName = 'resume-kill';
    const n = 60;
    const log = join(dir, 'kill.log');
    const checkpoint = join(dir, 'kill.ckpt');
    await new SqsExecutionQueue({ queueName, client: emulator.client }).connect(); // the queue, before the workers
    const workers = [startWorker(emulator.endpoint, queueName), startWorker(emulator.endpoint, queueName)];
    const first = run(queueName, log, checkpoint, n, 6);
    // Killed in the middle of the first layer: 6 tasks done, 2 running (held), the others queued.
    await counted(workers, 8);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const before = runs(log, n).filter((c) => c > 0).length;
    expect(before).toBeLessThan(n / 2);
    writeFileSync(`${log}.open`, ''); // the held tasks finish, for the killed run
    // The killed run's outcome queue, left behind: the rerun must go on with this very queue.
    const left = await queueNames(emulator.client, `${queueName}-out-`);
    expect(left).toHaveLength(1);
    expect(recordedOutcomeQueue(checkpoint)).toBe(left[0]);

    const result = await rerun(queueName, log, checkpoint, n, 6);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`total ${(n * (n - 1)) / 2}`);
    const counts = runs(log, n);
    expect(counts.every((c) => c >= 1)).toBe(true);
    // Only a message whose visibility ran out while its worker was busy could run twice.
    expect(counts.filter((c) => c > 1).length).toBeLessThanOrEqual(2);
    // It went on with the killed run's outcome queue (and deleted it at the end).
    expect(recordedOutcomeQueue(checkpoint)).toBe(left[0]);
    expect(await queueNames(emulator.client, `${queueName}-out-`)).toEqual([]);
    for (const w of workers) w.child.kill('SIGKILL');
  }, 120_000);

  it('should push again a task whose message is gone, once the task queue stays empty', async () => {
    const queueName = 'resume-lost';
    const n = 6;
    const log = join(dir, 'lost.log');
    const checkpoint = join(dir, 'lost.ckpt');
    const client = emulator.client;
    const url = await (await new SqsExecutionQueue({ queueName, client }).connect()).url;
    // No worker yet: the tasks wait in the task queue; one of them is taken away (as if it had
    // gone to the dead-letter queue) before the orchestrator is killed.
    const first = run(queueName, log, checkpoint, n, n); // none held
    let taken: Message | undefined;
    while (taken === undefined) {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20, VisibilityTimeout: 3600 }),
      );
      taken = Messages[0];
    }
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: taken.ReceiptHandle }));

    const worker = startWorker(emulator.endpoint, queueName);
    const left = await queueNames(client, `${queueName}-out-`);
    expect(left).toHaveLength(1);
    const result = await rerun(queueName, log, checkpoint, n, n);
    expect(recordedOutcomeQueue(checkpoint)).toBe(left[0]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`total ${(n * (n - 1)) / 2}`);
    // The first layer's two tasks that were left ran once (not pushed again); the one taken
    // away ran once, pushed again by the rerun; the second layer ran once.
    expect(runs(log, n)).toEqual(Array.from({ length: n }, () => 1));
    worker.child.kill('SIGKILL');
  }, 120_000);
});
