// The at-least-once hazard: SQS applied a call but its answer was lost (a reset, or a 500), so
// the caller retries a call that already acted. What mazepa promises then (docs/guarantees.md):
// a task may run twice, the orchestrator keeps the first outcome of each task, and nothing is
// lost. In-process orchestrator and worker, each with a fault proxy of its own in front of the
// emulator, so that a call of one of them can be aimed at.
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { lastValueFrom, tap } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { Dependency, execute, execution, flowSchema, taskableOperation } from 'mazepa';
import { SqsExecutionQueue, runWorker, type WorkerEvent } from 'mazepa/sqs';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { queueUrl, sqsClient, useEmulator } from './helpers.js';

const emulator = useEmulator();

/** Tags of the runs, in this process. */
const ran: string[] = [];
/** What a running `lostHold` task waits for before it returns. */
let release: Promise<unknown> = Promise.resolve();
const tag = taskableOperation(
  function lostTag(label: string): string {
    ran.push(label);
    return label;
  },
  { operationName: 'lostTag' },
);
const hold = taskableOperation(
  async function lostHold(label: string): Promise<string> {
    ran.push(label);
    await release;
    return label;
  },
  { operationName: 'lostHold' },
);
const gpu = taskableOperation(
  async function lostGpu(label: string): Promise<string> {
    ran.push(label);
    await release;
    return label;
  },
  { operationName: 'lostGpu', resources: { gpu: 1 } },
);

/** What one test set up, undone after it. */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  ran.length = 0;
  release = Promise.resolve();
});

const OPTIONS = { visibilityTimeoutSec: 3, waitTimeSeconds: 1 } as const;

/** A fault proxy and a client through it (no SDK retries: the retries seen are mazepa's). */
async function proxied(): Promise<{ proxy: FaultProxy; client: SQSClient }> {
  const proxy = await startFaultProxy(emulator.endpoint);
  const client = sqsClient(proxy.endpoint);
  cleanups.push(() => proxy.stop());
  cleanups.push(() => client.destroy());
  return { proxy, client };
}

/** An orchestrator's queue (`close`d after the test). */
function orchestratorQueue(
  queueName: string,
  client: SQSClient = emulator.client,
  maxTasksPerMessage?: number,
): SqsExecutionQueue {
  const queue = new SqsExecutionQueue({
    ...OPTIONS,
    queueName,
    client,
    ...(maxTasksPerMessage && { maxTasksPerMessage }),
  });
  cleanups.push(() => queue.close());
  return queue;
}

interface TestWorker {
  readonly events: WorkerEvent[];
  /** Resolves once `n` events of the types `types` were seen in all. */
  seen(types: readonly WorkerEvent['type'][], n: number): Promise<void>;
  stop(): Promise<void>;
}

/** An in-process worker on `queueName` through `client` (stopped after the test, unless before). */
async function worker(
  queueName: string,
  client: SQSClient,
  extra: Partial<Parameters<typeof runWorker>[0]> = {},
  maxTasksPerMessage = 10,
): Promise<TestWorker> {
  const events: WorkerEvent[] = [];
  const waiting: { types: readonly string[]; n: number; resolve: () => void }[] = [];
  const count = (types: readonly string[]): number => events.filter((e) => types.includes(e.type)).length;
  const abort = new AbortController();
  const running = runWorker({
    queue: new SqsExecutionQueue({ ...OPTIONS, queueName, client, maxTasksPerMessage }),
    concurrency: 4,
    signal: abort.signal,
    ...extra,
    onEvent: (event) => {
      events.push(event);
      for (const w of [...waiting]) {
        if (count(w.types) >= w.n) {
          waiting.splice(waiting.indexOf(w), 1);
          w.resolve();
        }
      }
    },
  });
  const stop = async (): Promise<void> => {
    abort.abort();
    await running;
  };
  cleanups.push(stop);
  return {
    events,
    seen: (types, n) =>
      count(types) >= n ? Promise.resolve() : new Promise((resolve) => waiting.push({ types, n, resolve })),
    stop,
  };
}

/** Messages in a queue, visible or not. */
async function messagesIn(queueName: string): Promise<number> {
  const { Attributes } = await emulator.client.send(
    new GetQueueAttributesCommand({
      QueueUrl: await queueUrl(emulator.client, queueName),
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
}

const errors = (w: TestWorker): unknown[] => w.events.flatMap((e) => (e.type === 'worker_error' ? [e.error] : []));
const counted = (label: string): number => ran.filter((r) => r === label).length;

describe('a lost answer to SendMessageBatch', () => {
  it('should let a task pushed twice run twice at most, and count it once', async () => {
    const name = 'lost-push';
    const { proxy, client } = await proxied();
    const queue = orchestratorQueue(name, client);
    await queue.connect();
    proxy.failNext('SendMessageBatch', 'lostReset'); // the push of the tasks: applied, then retried
    const w = await worker(name, emulator.client);
    const tasks = ['a', 'b', 'c'].map((label) => tag.makeTask(`push-${label}`));
    const summary = await execute(tasks, { queue, showProgress: false });
    expect(summary.succeeded).toBe(3);
    expect(tasks.map((t) => t.outcome?.returnValue)).toEqual(['push-a', 'push-b', 'push-c']);
    // The batch reached SQS twice: every task message is there twice, and each is handled
    // (run, or dropped once the execution has ended): none is left behind.
    await proxy.answered('SendMessageBatch', 2);
    expect(proxy.counts.lostReset).toBe(1);
    await w.seen(['task_finished', 'task_dropped'], 6);
    for (const label of ['a', 'b', 'c']) expect(counted(`push-${label}`)).toBeGreaterThanOrEqual(1);
    expect(ran.length).toBeLessThanOrEqual(6);
    expect(errors(w)).toEqual([]);
  });

  it('should keep the first outcome of a task whose outcome a worker sent twice', async () => {
    const name = 'lost-reply';
    const { proxy, client } = await proxied();
    const queue = orchestratorQueue(name);
    await queue.connect();
    proxy.failNext('SendMessageBatch', 'lost500'); // the worker's first outcome: applied, then a 500
    const w = await worker(name, client);
    const flow = flowSchema(function* twoSteps() {
      const first = yield* tag.makeTask('reply-first').result();
      yield new Dependency();
      const second = yield* tag.makeTask('reply-second').result();
      return `${first} ${second}`;
    });
    const summary = await execute(flow(), { queue, showProgress: false });
    expect(summary.result).toBe('reply-first reply-second');
    expect(summary.succeeded).toBe(2);
    expect(proxy.counts.lost500).toBe(1);
    // The outcome of the first task reached the outcome queue twice (three sends in all); the task ran once.
    await proxy.answered('SendMessageBatch', 3);
    expect(ran).toEqual(['reply-first', 'reply-second']);
    expect(errors(w)).toEqual([]);
  });
});

describe('a lost answer to DeleteMessageBatch', () => {
  it('should not run the task again, nor leave its message behind', async () => {
    const name = 'lost-delete';
    const { proxy, client } = await proxied();
    const queue = orchestratorQueue(name);
    await queue.connect();
    proxy.failNext('DeleteMessageBatch', 'lostReset'); // the task message's delete: done, then retried
    const w = await worker(name, client);
    const task = tag.makeTask('delete-once');
    await execute(task, { queue, showProgress: false });
    expect(task.outcome?.returnValue).toBe('delete-once');
    await proxy.answered('DeleteMessageBatch', 2);
    await w.stop();
    expect(proxy.counts.lostReset).toBe(1);
    expect(await messagesIn(name)).toBe(0);
    expect(ran).toEqual(['delete-once']);
    expect(errors(w)).toEqual([]);
  });
});

describe('a lost answer to ChangeMessageVisibilityBatch', () => {
  it("should keep a running task's message hidden: the task runs once", async () => {
    const name = 'lost-extend';
    const { proxy, client } = await proxied();
    const queue = orchestratorQueue(name);
    await queue.connect();
    proxy.failNext('ChangeMessageVisibilityBatch', 'lostReset', 2);
    // The task runs until its message's visibility was extended (and applied) four times.
    release = proxy.answered('ChangeMessageVisibilityBatch', 4);
    const w = await worker(name, client);
    const task = hold.makeTask('extend-once');
    await execute(task, { queue, showProgress: false });
    expect(task.outcome?.returnValue).toBe('extend-once');
    await w.stop();
    expect(proxy.counts.lostReset).toBe(2);
    expect(ran).toEqual(['extend-once']);
    expect(await messagesIn(name)).toBe(0);
    expect(errors(w)).toEqual([]);
  });
});

describe('a failed look-up of the outcome queue', () => {
  it('should run the task anyway: only a queue that is gone ends its run', async () => {
    const name = 'outcome-lookup';
    const { proxy, client } = await proxied();
    const queue = orchestratorQueue(name);
    await queue.connect();
    const w = await worker(name, client);
    await w.seen(['worker_started'], 1);
    // The worker's next GetQueueAttributes is the check that the task's outcome queue exists.
    proxy.failNext('GetQueueAttributes', 'error500');
    const task = tag.makeTask('looked-up');
    await execute(task, { queue, showProgress: false });
    expect(proxy.counts.byAction['GetQueueAttributes']).toBe(1);
    expect(w.events.filter((e) => e.type === 'task_dropped')).toEqual([]);
    expect(ran).toEqual(['looked-up']);
  });
});

describe('a lost answer to ChangeMessageVisibility', () => {
  it('should give back a task that waited for a resource, to run once elsewhere', async () => {
    const name = 'lost-hand-back';
    const { proxy, client } = await proxied();
    const queue = orchestratorQueue(name, emulator.client, 1); // a message per task
    await queue.connect();
    let open!: () => void;
    release = new Promise<void>((resolve) => (open = resolve));
    cleanups.push(() => open());
    // One GPU: the second task waits for it until the worker stops and gives it back (its
    // message made visible at once, a call whose answer is lost and that is tried again).
    proxy.failNext('ChangeMessageVisibility', 'lost500');
    const tasks = [gpu.makeTask('gpu-a'), gpu.makeTask('gpu-b')];
    let pushed!: () => void;
    const bothPushed = new Promise<void>((resolve) => (pushed = resolve));
    const submitted = new Set<string>();
    const run = lastValueFrom(
      execution(tasks, { queue, showProgress: false }).pipe(
        tap((e) => {
          if (e.type === 'task_submitted') submitted.add(e.taskId);
          if (submitted.size === 2) pushed();
        }),
      ),
    );
    await bothPushed; // both messages wait in the queue: the worker's first receive takes both
    const first = await worker(name, client, { resourceLimits: { gpu: 1 } }, 1); // it asks for 4 messages
    await first.seen(['task_started'], 1);
    const stopping = first.stop();
    await proxy.answered('ChangeMessageVisibility', 2);
    open();
    await stopping;
    const second = await worker(name, emulator.client, { resourceLimits: { gpu: 1 } });
    const last = await run;
    expect(last.type === 'execution_completed' && last.summary.succeeded).toBe(2);
    expect(proxy.counts.lost500).toBe(1);
    expect(ran.sort()).toEqual(['gpu-a', 'gpu-b']);
    expect([...errors(first), ...errors(second)]).toEqual([]);
  });
});
