import { Observable, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  Dependency,
  MazepaError,
  MazepaExecutionFailure,
  concurrentFlow,
  execute,
  flowSchema,
  taskableOperation,
  type ExecutionQueue,
  type OutcomeReport,
  type SerializedError,
  type Task,
  type TaskOutcome,
} from 'mazepa';

const quiet = { showProgress: false } as const;

/** What the queue saw of a task when it was pushed. */
interface Seen {
  readonly id: string;
  readonly executionId: string | undefined;
  readonly attempt: number;
  readonly status: string;
}

/**
 * A queue as a user would write one, against the public types only: each pushed batch runs
 * asynchronously, after the batches before it, in reverse order; outcomes go out through a
 * Subject per execution. Errors are serialized by hand, as a remote queue would.
 */
class ReverseBatchQueue implements ExecutionQueue {
  readonly name = 'reverse-batch';
  /** Every push, as the tasks looked then. */
  readonly pushes: Seen[][] = [];
  /** Task ids in the order their functions ran. */
  readonly ran: string[] = [];
  /** Execution ids whose outcomes were subscribed to, and whose subscription was torn down. */
  readonly opened: string[] = [];
  readonly tornDown: string[] = [];
  closeCalls = 0;
  readonly #subjects = new Map<string, Subject<OutcomeReport>>();
  #chain: Promise<void> = Promise.resolve();

  pushTasks(tasks: readonly Task[]): Promise<void> {
    this.pushes.push(
      tasks.map((t) => ({ id: t.id, executionId: t.executionId, attempt: t.attempt, status: t.status })),
    );
    for (const task of tasks) {
      if (task.executionId === undefined || !this.#subjects.has(task.executionId)) {
        return Promise.reject(new Error(`nobody listens to execution ${String(task.executionId)}`));
      }
    }
    const batch = [...tasks].reverse();
    this.#chain = this.#chain.then(() => this.#runBatch(batch));
    return Promise.resolve();
  }

  outcomes(executionId: string): Observable<OutcomeReport> {
    return new Observable<OutcomeReport>((subscriber) => {
      const subject = new Subject<OutcomeReport>();
      this.#subjects.set(executionId, subject);
      this.opened.push(executionId);
      const subscription = subject.subscribe(subscriber);
      return () => {
        subscription.unsubscribe();
        this.#subjects.delete(executionId);
        this.tornDown.push(executionId);
      };
    });
  }

  close(): Promise<void> {
    this.closeCalls++;
    for (const subject of this.#subjects.values()) subject.complete();
    this.#subjects.clear();
    return Promise.resolve();
  }

  async #runBatch(batch: readonly Task[]): Promise<void> {
    for (const task of batch) {
      let outcome: TaskOutcome;
      this.ran.push(task.id);
      try {
        outcome = { returnValue: await task.fn(...task.args), executionSecs: 0 };
      } catch (error) {
        const e = error as Error;
        const serialized: SerializedError = {
          name: e.name,
          message: e.message,
          ...(e.stack ? { stack: e.stack } : {}),
        };
        outcome = { error: serialized, executionSecs: 0 };
      }
      // An execution that ended meanwhile has no subject any more: its outcome is dropped.
      this.#subjects.get(task.executionId!)?.next({ taskId: task.id, outcome });
    }
  }
}

const square = taskableOperation(async function customSquare(x: number) {
  await Promise.resolve();
  return x * x;
});
const label = taskableOperation(function customLabel(name: string) {
  return name;
});
const explode = taskableOperation(function customExplode(why: string): never {
  throw new RangeError(why);
});

describe('a user-written ExecutionQueue', () => {
  it('should run a flow and give its tasks their results', async () => {
    const queue = new ReverseBatchQueue();
    const tasks = [1, 2, 3].map((x) => square.makeTask(x));
    let total = 0;
    const flow = flowSchema(function* sumOfSquares() {
      yield tasks;
      yield new Dependency();
      total = tasks.reduce((sum, t) => sum + (t.outcome?.returnValue ?? 0), 0);
      total += yield* square.makeTask(10).result();
    });
    const summary = await execute(flow(), { ...quiet, queue, executionId: 'custom-run-1' });
    expect(total).toBe(1 + 4 + 9 + 100);
    expect(tasks.map((t) => t.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(summary).toMatchObject({ executionId: 'custom-run-1', succeeded: 4, failed: 0 });
    expect(summary.operations['customSquare']).toMatchObject({ submitted: 4, succeeded: 4, failed: 0 });
  });

  it('should hand the queue submitted tasks that carry the execution id and attempt', async () => {
    const queue = new ReverseBatchQueue();
    const task = label.makeTask('stamped');
    await execute(task, { ...quiet, queue, executionId: 'stamp-exec' });
    expect(queue.pushes).toEqual([[{ id: task.id, executionId: 'stamp-exec', attempt: 1, status: 'submitted' }]]);
    expect(task.outcome?.returnValue).toBe('stamped');
  });

  it('should work with a queue that runs each batch in reverse order', async () => {
    const queue = new ReverseBatchQueue();
    const tasks = ['a', 'b', 'c', 'd', 'e'].map((n) => label.makeTask(n));
    const flow = flowSchema(function* reversed() {
      yield tasks.slice(0, 3);
      yield new Dependency();
      yield tasks.slice(3);
    });
    await execute(flow(), { ...quiet, queue, maxBatchLen: 2 });
    const names = new Map(tasks.map((t) => [t.id, t.args[0]]));
    expect(queue.pushes.map((push) => push.map((t) => names.get(t.id)))).toEqual([['a', 'b'], ['c'], ['d', 'e']]);
    expect(queue.ran.map((id) => names.get(id))).toEqual(['b', 'a', 'c', 'e', 'd']);
    expect(tasks.map((t) => t.outcome?.returnValue)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('should let a flow wait on a task that another flow yielded', async () => {
    const queue = new ReverseBatchQueue();
    const shared = square.makeTask(7);
    const seen: unknown[] = [];
    const producer = flowSchema(function* customProducer() {
      yield shared;
    });
    const consumer = flowSchema(function* customConsumer() {
      seen.push(shared.outcome === undefined ? 'not done yet' : 'done');
      yield new Dependency(shared);
      seen.push(shared.status, shared.outcome?.returnValue);
      seen.push(yield* square.makeTask(shared.outcome!.returnValue!).result());
    });
    const summary = await execute(concurrentFlow([producer(), consumer()]), { ...quiet, queue });
    expect(seen).toEqual(['not done yet', 'succeeded', 49, 49 * 49]);
    expect(summary.succeeded).toBe(2);
  });

  it('should reject with MazepaExecutionFailure whose cause carries the error the queue reported', async () => {
    const queue = new ReverseBatchQueue();
    const bad = explode.makeTask('chunk 12 is corrupt');
    const flow = flowSchema(function* customFailing() {
      yield label.makeTask('before');
      yield bad;
      yield new Dependency();
      yield label.makeTask('never');
    });
    const failure = await execute(flow(), { ...quiet, queue, executionId: 'failing-exec' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MazepaExecutionFailure);
    const f = failure as MazepaExecutionFailure;
    expect(f.executionId).toBe('failing-exec');
    expect(f.taskId).toBe(bad.id);
    expect(f.message).toContain('chunk 12 is corrupt');
    expect(f.cause).toBeInstanceOf(Error);
    // The queue sent only a serialized error: it is rebuilt with its name, message and stack.
    expect((f.cause as Error).message).toBe('chunk 12 is corrupt');
    expect((f.cause as Error).name).toBe('RangeError');
    expect((f.cause as Error).stack).toContain('customExplode');
    expect(bad.status).toBe('failed');
    expect(queue.pushes.flat()).toHaveLength(2);
  });

  it('should let a flow catch the error of a task that failed on the queue and go on', async () => {
    const queue = new ReverseBatchQueue();
    const caught: string[] = [];
    const flow = flowSchema(function* customCatching() {
      const bad = explode.makeTask('recoverable');
      yield bad;
      try {
        yield new Dependency(bad);
      } catch (error) {
        caught.push(`${(error as Error).name}: ${(error as Error).message}`);
      }
      return yield* label.makeTask('after').result();
    });
    const root = flow();
    const summary = await execute(root, { ...quiet, queue });
    expect(caught).toEqual(['RangeError: recoverable']);
    expect(root.outcome?.returnValue).toBe('after');
    expect(summary).toMatchObject({ succeeded: 1, failed: 1 });
  });

  it('should tear down its outcomes subscription when the execution ends, and leave close to the owner', async () => {
    const queue = new ReverseBatchQueue();
    const first = await execute(label.makeTask('one'), { ...quiet, queue, executionId: 'teardown-1' });
    expect(first.succeeded).toBe(1);
    expect(queue.opened).toEqual(['teardown-1']);
    expect(queue.tornDown).toEqual(['teardown-1']);

    await expect(execute(explode.makeTask('down'), { ...quiet, queue, executionId: 'teardown-2' })).rejects.toThrow(
      MazepaExecutionFailure,
    );
    expect(queue.opened).toEqual(['teardown-1', 'teardown-2']);
    expect(queue.tornDown).toEqual(['teardown-1', 'teardown-2']);

    // The queue belongs to the caller: execute never closes it, so it can be used again.
    expect(queue.closeCalls).toBe(0);
    const third = await execute(label.makeTask('three'), { ...quiet, queue, executionId: 'teardown-3' });
    expect(third.succeeded).toBe(1);
    await queue.close();
    expect(queue.closeCalls).toBe(1);
    expect(queue.tornDown).toEqual(['teardown-1', 'teardown-2', 'teardown-3']);
  });

  it('should fail the execution with a clear error when the outcome stream completes early', async () => {
    const queue = new ReverseBatchQueue();
    const pending = new Promise<void>(() => {});
    const hang = taskableOperation(function customHang() {
      return pending;
    });
    const run = execute(hang.makeTask(), { ...quiet, queue, executionId: 'closed-early' });
    await Promise.resolve();
    await queue.close();
    const failure = await run.catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MazepaError);
    expect((failure as Error).message).toContain(
      "Queue 'reverse-batch': the outcome stream of closed-early ended before the execution",
    );
    expect(queue.tornDown).toEqual(['closed-early']);
  });

  it('should reject with a MazepaExecutionFailure naming the queue when pushTasks rejects', async () => {
    const queue = new ReverseBatchQueue();
    const refusing: ExecutionQueue = {
      name: 'refusing',
      pushTasks: () => Promise.reject(new Error('queue is full')),
      outcomes: (executionId) => queue.outcomes(executionId),
    };
    const task = label.makeTask('refused');
    const failure = await execute(task, { ...quiet, queue: refusing }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MazepaExecutionFailure);
    expect((failure as MazepaExecutionFailure).executionId).toMatch(/^exec/);
    expect((failure as MazepaError).message).toContain("queue 'refusing' refused a batch of 1 task(s)");
    expect((failure as MazepaError).message).toContain('queue is full');
    expect((failure as MazepaError).taskId).toBe(task.id);
    expect(queue.tornDown).toHaveLength(1);
  });
});
