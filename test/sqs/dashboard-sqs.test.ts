// The dashboard of a run on SQS with a real `mazepa worker` process: the workers panel is made of
// the facts the worker adds to its outcomes, and the header shows the task queue's depth and
// its dead letters.
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { execute, flowSchema, type DashboardFrame } from 'mazepa';
import { SqsExecutionQueue } from 'mazepa/sqs';
import { add } from '../fixtures/sqs/ops.js';
import { queueUrl, startWorker, type WorkerProcess, useEmulator } from './helpers.js';

const QUEUE = 'dash-tasks';
const emulator = useEmulator();
let worker: WorkerProcess;

beforeAll(async () => {
  await new SqsExecutionQueue({ queueName: QUEUE, client: emulator.client }).connect();
  // A task that went to the dead-letter queue earlier: the header counts it.
  const dlq = await queueUrl(emulator.client, `${QUEUE}-dlq`);
  await emulator.client.send(new SendMessageCommand({ QueueUrl: dlq, MessageBody: 'a task no worker answered' }));
  worker = startWorker(emulator.endpoint, QUEUE, ['--concurrency', '2']);
  await worker.waitFor(/started on queue/);
}, 60_000);

afterAll(() => {
  worker.child.kill('SIGTERM');
});

/** The dashboard's JSON state, through its printed URL (the token as the cookie). */
async function snapshot(url: string): Promise<DashboardFrame> {
  const { origin, port, searchParams } = new URL(url);
  const cookie = `mazepa_dashboard_${port}=${searchParams.get('token')}`;
  const answer = await fetch(`${origin}/api/snapshot`, { headers: { cookie } });
  expect(answer.status).toBe(200);
  return (await answer.json()) as DashboardFrame;
}

describe('the dashboard of an SQS run', () => {
  it("shows the worker that ran the tasks (host, pid, done, running, memory), the queue's depth and dead letters", async () => {
    const sums = flowSchema(function* sums(n: number) {
      yield Array.from({ length: n }, (_, i) => add.makeTask(i, 1));
    });
    const queue = new SqsExecutionQueue({ queueName: QUEUE, client: emulator.client });
    const printed: string[] = [];
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((text) => {
      printed.push(String(text));
      return true;
    });
    try {
      const summary = await execute(sums(8), { queue, showProgress: false, dashboard: { port: 0 } });
      expect(summary.succeeded).toBe(8);
    } finally {
      write.mockRestore();
    }
    const url = /dashboard at (\S+)/.exec(printed.join(''))![1]!;
    // The page keeps the final state; the depth asked at the end may come a moment later.
    await expect.poll(async () => (await snapshot(url)).header.queueDepth?.deadLetters, { timeout: 10_000 }).toBe(1);
    const frame = await snapshot(url);
    expect(frame.header).toMatchObject({ succeeded: 8, submitted: 8, inFlight: 0, status: 'succeeded' });
    // Asked while the run went (the messages of this run, whatever their state then).
    const depth = frame.header.queueDepth!;
    expect(depth.waiting + depth.inFlight).toBeLessThanOrEqual(8);
    expect(frame.workers).toHaveLength(1);
    const [row] = frame.workers;
    expect(row).toMatchObject({ host: hostname(), pid: worker.child.pid, done: 8, failed: 0 });
    expect(row!.totalDone).toBeGreaterThanOrEqual(8);
    expect(row!.running).toBeGreaterThanOrEqual(1);
    expect(row!.rssBytes).toBeGreaterThan(1_000_000);
    await queue.close();
  }, 60_000);
});
