import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { firstValueFrom, filter } from 'rxjs';
import {
  Dependency,
  LocalExecutionQueue,
  MazepaExecutionFailure,
  Task,
  execute,
  execution,
  flowSchema,
  type ExecutionQueue,
  type Flow,
} from 'mazepa';
import { SqsExecutionQueue } from 'mazepa/sqs';
import { add, echo, explode, flaky } from '../fixtures/sqs/ops.js';
import { seed1, seed2, seed3 } from '../fixtures/sqs/seeds.js';
import { queueNames, startWorker, type WorkerProcess, useEmulator } from './helpers.js';

const QUEUE = 'exec-tasks';
const SEEDS = new URL('../fixtures/sqs/seeds.ts', import.meta.url).pathname;
const emulator = useEmulator();
let workers: WorkerProcess[];

beforeAll(async () => {
  // The task queue exists before the workers start, with a short visibility timeout.
  await new SqsExecutionQueue({ queueName: QUEUE, client: emulator.client, visibilityTimeoutSec: 2 }).connect();
  workers = [0, 1, 2].map(() => startWorker(emulator.endpoint, QUEUE, ['--import', SEEDS, '--concurrency', '4']));
  await Promise.all(workers.map((w) => w.waitFor(/started on queue/)));
}, 120_000); // three worker processes start under tsx: slow on a loaded machine

function sqsQueue(): SqsExecutionQueue {
  return new SqsExecutionQueue({ queueName: QUEUE, client: emulator.client, visibilityTimeoutSec: 2 });
}

/** Runs `flow` on `queue`, closes it, and checks that no outcome queue is left behind. */
async function run(flow: Flow<unknown> | Task, queue = sqsQueue()) {
  try {
    return await execute(flow, { queue, showProgress: false });
  } finally {
    await queue.close();
    expect(await queueNames(emulator.client, `${QUEUE}-out-`)).toEqual([]);
  }
}

async function printedLocally(flow: Flow<unknown>): Promise<string[]> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
  try {
    await execute(flow, { queue: new LocalExecutionQueue(), showProgress: false });
  } finally {
    spy.mockRestore();
  }
  return lines.sort();
}

describe('SqsExecutionQueue with 3 worker processes', () => {
  // Whatever a test sends them (failures, oversized or unencodable tasks, cancellations), every
  // worker stays up: checked after each test, so that it holds for any test run alone.
  afterEach(() => {
    expect(workers.map((w) => [w.child.exitCode, w.child.signalCode])).toEqual(workers.map(() => [null, null]));
  });

  it.each([
    ['plain tasks in a plain flow', seed1],
    ['an operation and a flow schema', seed2],
    ['class operations and class flow schemas', seed3],
  ])('should run the seed example with %s as the local queue does', async (_name, seed) => {
    const before = workers.map((w) => w.stdout.length);
    const summary = await run(seed());
    expect(summary.succeeded).toBe(2);
    // A task prints before its outcome is sent, but the pipe may bring the line later.
    const printed = (): string[] => workers.flatMap((w, i) => w.stdout.slice(before[i]!)).sort();
    for (let i = 0; i < 20 && printed().length < 2; i++) await Promise.race(workers.map((w) => w.nextLine()));
    expect(printed()).toEqual(await printedLocally(seed()));
  });

  it('should run a 1,000-task flow with dependencies to the same results as the local queue', async () => {
    const layered = flowSchema(function* layered(width: number, depth: number) {
      let values = Array.from({ length: width }, (_, i) => i);
      for (let layer = 0; layer < depth; layer++) {
        const tasks = values.map((v, i) => add.makeTask(v, layer * 1000 + i)); // all ids distinct
        yield tasks;
        yield new Dependency(tasks);
        values = tasks.map((t) => t.outcome!.returnValue as number);
      }
      return values;
    });
    const local = await execute(layered(100, 10), { queue: new LocalExecutionQueue(), showProgress: false });
    const flow = layered(100, 10);
    const summary = await run(flow);
    expect(summary.succeeded).toBe(1000);
    expect(summary).toMatchObject({ failed: 0, operations: local.operations });
    expect(flow.outcome?.returnValue).toEqual(await localResult(layered(100, 10)));
  });

  it('should reject with the remote error’s name, message and stack', async () => {
    const failure = await run(explode.makeTask('kaboom over SQS')).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MazepaExecutionFailure);
    const cause = (failure as MazepaExecutionFailure).cause as Error;
    expect(cause.name).toBe('RemoteKaboom');
    expect(cause.message).toBe('kaboom over SQS');
    expect(cause.stack).toMatch(/^RemoteKaboom: kaboom over SQS\n\s+at (Object\.)?explode .*fixtures\/sqs\/ops\.ts/);
  });

  it('should retry a transient remote failure, attempt by attempt', async () => {
    const task = flaky.makeTask(2);
    const summary = await run(task);
    expect(summary).toMatchObject({ succeeded: 1, retried: 1 });
    expect(task.outcome?.returnValue).toBe(2);
  });

  it('should delete the outcome queue when the execution is cancelled', async () => {
    const queue = sqsQueue();
    const hang = flowSchema(function* hang() {
      yield add.makeTask(1, 1);
      yield new Dependency();
      yield new Task({ fn: () => 0, operationName: 'notRegisteredAnywhere', id: 'cancel-me' });
    });
    const events = execution(hang(), { queue, showProgress: false });
    await firstValueFrom(events.pipe(filter((e) => e.type === 'task_succeeded')));
    await queue.close();
    expect(await queueNames(emulator.client, `${QUEUE}-out-`)).toEqual([]);
  });

  it('should refuse a task whose message would be over 256 KiB, saying how big it is', async () => {
    const failure = await run(echo.makeTask('x'.repeat(300_000))).catch((e: unknown) => e);
    expect(String((failure as Error).cause ?? failure)).toMatch(
      /its message is 300\d{3} bytes .* over the SQS limit of 262144 bytes/,
    );
  });

  it('should refuse a task with an argument that cannot be encoded, naming its path', async () => {
    const task = new Task({ fn: (_o: unknown) => 1, operationName: 'echo', args: [{ cb: () => 1 }] });
    const failure = await run(task).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MazepaExecutionFailure);
    expect((failure as MazepaExecutionFailure).taskId).toBe(task.id);
    expect(String((failure as Error).cause ?? failure)).toMatch(/cannot be sent to SQS: args\[0\]\.cb is a function/);
  });
});

async function localResult(flow: Flow<unknown>): Promise<unknown> {
  await execute(flow, { queue: new LocalExecutionQueue() as ExecutionQueue, showProgress: false });
  return flow.outcome?.returnValue;
}
