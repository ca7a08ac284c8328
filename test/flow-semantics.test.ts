// Flow semantics beyond what test/execute.test.ts covers: dependencies on flows and tasks of other
// branches (a DAG), recovering from a failed dependency, waits on unknown targets, duplicate task
// ids across flows, and raiseOnFailedTask: false across subflows.
import { describe, expect, it } from 'vitest';
import {
  Dependency,
  Flow,
  MazepaError,
  MazepaExecutionFailure,
  concurrentFlow,
  execute,
  execution,
  flowSchema,
  taskableOperation,
  type ExecutionEvent,
  type FlowGenerator,
} from 'mazepa';

const quiet = { showProgress: false } as const;

const slow = taskableOperation(async function semSlow(label: string) {
  for (let i = 0; i < 3; i++) await Promise.resolve();
  return label;
});
const fail = taskableOperation(function semFail(why: string): never {
  throw new Error(why);
});

/** Collects the events of a run while executing it; resolves to them, rejects like execute. */
function collect(target: Flow<unknown>, options: Parameters<typeof execution>[1] = {}): Promise<ExecutionEvent[]> {
  const events: ExecutionEvent[] = [];
  return new Promise((resolve, reject) =>
    execution(target, { ...quiet, ...options }).subscribe({
      next: (e) => events.push(e),
      error: reject,
      complete: () => resolve(events),
    }),
  );
}

describe('flow semantics', () => {
  describe('dependencies across flows (a DAG)', () => {
    it('should let a flow wait on a sibling flow and see its result', async () => {
      const log: string[] = [];
      const producer = new Flow(function* semProducerFlow() {
        const value = yield* slow.makeTask('made').result();
        log.push('producer done');
        return value.toUpperCase();
      });
      const consumer = new Flow(function* semConsumerFlow(): FlowGenerator {
        yield new Dependency(producer);
        log.push(`consumer saw ${producer.status} ${String(producer.outcome?.returnValue)}`);
      });
      await execute(concurrentFlow([producer, consumer]), quiet);
      expect(log).toEqual(['producer done', 'consumer saw succeeded MADE']);
    });

    it('should run a diamond: two branches wait on one task, a join waits on both branches', async () => {
      const log: string[] = [];
      const source = slow.makeTask('source');
      const branch = flowSchema(function* semBranch(name: string) {
        yield new Dependency(source);
        const own = yield* slow.makeTask(`${name}-${String(source.outcome?.returnValue)}`).result();
        log.push(own);
        return own;
      });
      const root = flowSchema(function* semDiamond() {
        yield source;
        const left = branch('left');
        const right = branch('right');
        yield [left, right];
        yield new Dependency([left, right]);
        log.push(`join ${String(left.outcome?.returnValue)} ${String(right.outcome?.returnValue)}`);
      });
      const summary = await execute(root(), quiet);
      expect(log).toHaveLength(3);
      expect(log.slice(0, 2).sort()).toEqual(['left-source', 'right-source']);
      expect(log[2]).toBe('join left-source right-source');
      expect(summary.succeeded).toBe(3);
    });

    it('should let a flow wait on a task yielded deep inside another branch', async () => {
      const log: string[] = [];
      const deep = slow.makeTask('deep');
      const leaf = flowSchema(function* semLeaf() {
        yield deep;
      });
      const middle = flowSchema(function* semMiddle() {
        yield leaf();
      });
      const cousin = flowSchema(function* semCousin() {
        // Its own work first: by the time it waits, the other branch has yielded `deep`.
        yield* slow.makeTask('cousin own').result();
        yield new Dependency(deep);
        log.push(`cousin saw ${String(deep.outcome?.returnValue)}`);
      });
      await execute(concurrentFlow([middle(), cousin()]), quiet);
      expect(log).toEqual(['cousin saw deep']);
    });

    it('should let a flow wait on a task that another flow yields only later', async () => {
      const later = slow.makeTask('later');
      const seen: string[] = [];
      const consumer = flowSchema(function* semEarlyConsumer() {
        yield new Dependency(later); // a wait, not a yield of the task (which `result()` would do)
        seen.push(`consumer got ${String(later.outcome?.returnValue)}`);
      });
      const producer = flowSchema(function* semLateProducer() {
        seen.push('producer runs');
        yield slow.makeTask('later'); // another Task object with the same id
      });
      // The consumer is stepped first and waits on an id nobody has yielded yet.
      const summary = await execute(concurrentFlow([consumer(), producer()]), quiet);
      expect(seen).toEqual(['producer runs', 'consumer got later']);
      expect(summary.succeeded).toBe(1);
      expect(later.status).toBe('succeeded');
      expect(later.outcome?.returnValue).toBe('later');
    });

    it('should let a flow wait on a subflow of a cousin that starts only later', async () => {
      const leaf = flowSchema(function* semLateLeaf() {
        return yield* slow.makeTask('leaf').result();
      });
      const target = leaf();
      const waiter = flowSchema(function* semWaitsForCousin() {
        yield new Dependency(target);
        return `after ${String(target.outcome?.returnValue)}`;
      });
      const branch = flowSchema(function* semBranch() {
        yield slow.makeTask('first');
        yield new Dependency();
        yield target; // starts only after the branch's first task
      });
      const w = waiter();
      await execute(concurrentFlow([w, branch()]), quiet);
      expect(w.outcome?.returnValue).toBe('after leaf');
    });

    it('should wait on a later task that a checkpoint already holds, and get its stored result', async () => {
      const stored = slow.makeTask('stored');
      let got: unknown;
      const consumer = flowSchema(function* semCheckpointConsumer() {
        yield new Dependency(stored);
        got = stored.outcome?.returnValue;
      });
      const producer = flowSchema(function* semCheckpointProducer() {
        yield slow.makeTask('stored');
      });
      const summary = await execute(concurrentFlow([consumer(), producer()]), {
        ...quiet,
        completed: new Map([[stored.id, { returnValue: 'from checkpoint', executionSecs: 0 }]]),
      });
      expect(got).toBe('from checkpoint');
      expect(summary.skipped).toBe(1);
      expect(summary.succeeded).toBe(0);
    });

    it('should throw the failure of a flow into a flow that waits on it', async () => {
      const failing = new Flow(function* semFailingFlow() {
        yield fail.makeTask('branch broke');
      });
      const caught: string[] = [];
      const watcher = new Flow(function* semWatcher(): FlowGenerator {
        try {
          yield new Dependency(failing);
        } catch (error) {
          caught.push((error as Error).message);
        }
      });
      const root = flowSchema(function* semWatchRoot() {
        yield [failing, watcher];
        try {
          yield new Dependency();
        } catch (error) {
          caught.push(`root: ${(error as Error).message}`);
        }
      });
      await execute(root(), quiet);
      // Both hear of it: the parent at its wait for everything, and the watcher.
      expect([...caught].sort()).toEqual(['branch broke', 'root: branch broke']);
      expect(failing.status).toBe('failed');
      expect(watcher.status).toBe('succeeded');
    });
  });

  describe('catching a failed dependency', () => {
    it('should let a flow catch a failure at `yield new Dependency(task)` and go on', async () => {
      const ran: string[] = [];
      const step = taskableOperation(function semAfterCatch(label: string) {
        ran.push(label);
        return label;
      });
      const flow = flowSchema(function* semRecover() {
        const bad = fail.makeTask('first try failed');
        yield bad;
        yield step.makeTask('alongside');
        let recovered: string;
        try {
          yield new Dependency(bad);
          recovered = 'unreachable';
        } catch (error) {
          recovered = `fallback after ${(error as Error).message}`;
        }
        yield step.makeTask(recovered);
        yield new Dependency();
        return yield* step.makeTask('last').result();
      });
      const root = flow();
      const summary = await execute(root, quiet);
      expect(ran).toEqual(['alongside', 'fallback after first try failed', 'last']);
      expect(root.status).toBe('succeeded');
      expect(root.outcome?.returnValue).toBe('last');
      expect(summary).toMatchObject({ succeeded: 3, failed: 1 });
      expect(summary.operations['semFail']).toMatchObject({ submitted: 1, failed: 1 });
    });

    it('should throw the failure again to a second wait on the same failed task', async () => {
      const messages: string[] = [];
      const bad = fail.makeTask('twice');
      const flow = new Flow(function* semWaitTwice() {
        yield bad;
        for (let i = 0; i < 2; i++) {
          try {
            yield new Dependency(bad);
          } catch (error) {
            messages.push(`${i}: ${(error as Error).message}`);
          }
        }
      });
      await execute(flow, quiet);
      expect(messages).toEqual(['0: twice', '1: twice']);
    });
  });

  describe('waiting on something never yielded', () => {
    it('should throw an error naming the flow into the generator', async () => {
      const stray = new Flow(function* semStrayFlow() {});
      let caught: unknown;
      await execute(
        new Flow(function* semWaitsOnStrayFlow(): FlowGenerator {
          try {
            yield new Dependency(stray);
          } catch (error) {
            caught = error;
          }
        }),
        quiet,
      );
      expect(caught).toBeInstanceOf(MazepaError);
      const message = (caught as Error).message;
      expect(message).toContain(`Flow 'semWaitsOnStrayFlow' waits on flow ${stray.id} ('semStrayFlow')`);
      expect(message).toContain('never yielded');
    });

    it('should throw an error naming an unknown id', async () => {
      let caught: unknown;
      await execute(
        new Flow(function* semWaitsOnId(): FlowGenerator {
          try {
            yield new Dependency('no-such-task');
          } catch (error) {
            caught = error;
          }
        }),
        quiet,
      );
      expect((caught as Error).message).toContain("waits on id 'no-such-task', which was never yielded");
    });

    it('should fail the execution with that message when the flow does not catch it', async () => {
      const stray = slow.makeTask('stray');
      const failure = await execute(
        new Flow(function* semUncaughtStray(): FlowGenerator {
          yield new Dependency(stray);
        }),
        quiet,
      ).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(MazepaExecutionFailure);
      const f = failure as MazepaExecutionFailure;
      expect(f.message).toContain(`task ${stray.id} (operation 'semSlow'), which was never yielded`);
      expect(f.cause).toBeInstanceOf(MazepaError);
      expect((f.cause as MazepaError).taskId).toBe(stray.id);
      expect(stray.status).toBe('not_submitted');
    });
  });

  describe('duplicate task ids', () => {
    it('should run a task yielded by several flows once and give every copy the outcome', async () => {
      let calls = 0;
      const counted = taskableOperation(async function semCounted(x: number) {
        calls++;
        await Promise.resolve();
        return x * 2;
      });
      const copies = [counted.makeTask(21), counted.makeTask(21), counted.makeTask(21)];
      expect(new Set(copies.map((t) => t.id)).size).toBe(1);
      const yielder = flowSchema(function* semYielder(i: number) {
        yield copies[i]!;
        yield new Dependency(copies[i]!);
      });
      const waiter = flowSchema(function* semAliasWaiter() {
        return yield* copies[2]!.result();
      });
      const last = waiter();
      const events = await collect(concurrentFlow([yielder(0), yielder(1), last]));
      expect(calls).toBe(1);
      expect(copies.map((t) => [t.status, t.outcome?.returnValue])).toEqual([
        ['succeeded', 42],
        ['succeeded', 42],
        ['succeeded', 42],
      ]);
      expect(last.outcome?.returnValue).toBe(42);
      expect(events.filter((e) => e.type === 'task_submitted')).toHaveLength(1);
      const summary = events.find((e) => e.type === 'execution_completed')!;
      expect(summary.type === 'execution_completed' && summary.summary.operations['semCounted']).toMatchObject({
        submitted: 1,
        succeeded: 1,
      });
    });

    it('should not run again a task whose id is already done, and give it the stored outcome', async () => {
      let calls = 0;
      const counted = taskableOperation(function semCountedLater(x: number) {
        calls++;
        return x + 1;
      });
      const later = counted.makeTask(1);
      const flow = flowSchema(function* semLater() {
        yield* counted.makeTask(1).result();
        yield new Flow(function* semLaterSub() {
          yield later;
        });
        yield new Dependency();
      });
      const summary = await execute(flow(), quiet);
      expect(calls).toBe(1);
      expect(later.status).toBe('succeeded');
      expect(later.outcome?.returnValue).toBe(2);
      expect(summary.succeeded).toBe(1);
    });
  });

  describe('raiseOnFailedTask: false', () => {
    it('should mark failures in subflows and let every flow go on, counting them per operation', async () => {
      const after: string[] = [];
      const failed = fail.makeTask('sub broke');
      const sub = flowSchema(function* semLenientSub() {
        yield failed;
        yield slow.makeTask('sub ok');
        yield new Dependency();
        after.push('sub went on');
      });
      const root = flowSchema(function* semLenientRoot() {
        yield sub();
        yield slow.makeTask('root ok');
        yield new Dependency();
        yield new Dependency(failed);
        after.push(`root went on, failed task is ${failed.status}`);
        try {
          yield* failed.result();
        } catch (error) {
          after.push(`result() still throws: ${(error as Error).message}`);
        }
      });
      const events = await collect(root(), { raiseOnFailedTask: false });
      expect(after).toEqual(['sub went on', 'root went on, failed task is failed', 'result() still throws: sub broke']);
      expect(failed.outcome?.error?.message).toBe('sub broke');
      const flowEvents = events.filter((e) => e.type === 'flow_completed');
      expect(flowEvents.map((e) => [e.flowName, e.failed])).toEqual([
        ['semLenientSub', false],
        ['semLenientRoot', false],
      ]);
      const last = events.at(-1)!;
      expect(last.type).toBe('execution_completed');
      if (last.type !== 'execution_completed') return;
      expect(last.summary).toMatchObject({ succeeded: 2, failed: 1 });
      expect(last.summary.operations['semFail']).toMatchObject({ submitted: 1, succeeded: 0, failed: 1 });
      expect(last.summary.operations['semSlow']).toMatchObject({ submitted: 2, succeeded: 2, failed: 0 });
    });

    it('should still throw the failure of a flow (not a task) into flows that wait on it', async () => {
      const broken = new Flow(function* semThrowingFlow(): FlowGenerator {
        yield slow.makeTask('before throw');
        yield new Dependency();
        throw new RangeError('flow logic broke');
      });
      const failure = await execute(
        new Flow(function* semWaitsOnBroken() {
          yield broken;
          yield new Dependency(broken);
        }),
        { ...quiet, raiseOnFailedTask: false },
      ).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(MazepaExecutionFailure);
      expect((failure as MazepaExecutionFailure).cause).toBeInstanceOf(RangeError);
      expect((failure as Error).message).toContain('flow logic broke');
    });
  });
});
