// ExecutionQueue.attach: a rerun with a checkpoint that goes on with the run that wrote it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject, type Observable } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Dependency,
  Flow,
  LocalExecutionQueue,
  Task,
  execute,
  type ExecutionQueue,
  type OutcomeReport,
  type PreviousRun,
  type QueueAttachment,
} from 'mazepa';
import { parseCheckpoint } from '../src/streams/checkpoint/checkpoint-parse.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mazepa-attach-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const never = (): number => {
  throw new Error('runs only where the test queue says');
};
const task = (id: string): Task => new Task({ fn: never, id, operationName: 'op' });

/** Two layers: a, b, c, then d. */
const layered = (): Flow<unknown> =>
  new Flow({
    name: 'layered',
    fn: function* () {
      yield [task('a'), task('b'), task('c')];
      yield new Dependency();
      yield task('d');
    },
  });

/** A queue the test drives: it records pushes and attach calls; outcomes come from `reports`. */
class DrivenQueue implements ExecutionQueue {
  readonly name = 'driven';
  readonly pushes: string[][] = [];
  readonly previous: PreviousRun[] = [];
  readonly reports = new Subject<OutcomeReport>();
  readonly lost = new Subject<string>();
  /** What the checkpoint file held when each push came. */
  readonly fileAtPush: string[] = [];
  /** Reports sent as soon as the outcomes are subscribed to (before anything is yielded). */
  early: OutcomeReport[] = [];
  onPush: (ids: string[]) => void = () => {};
  #attached!: () => void;
  /** Resolves once `attach` was called. */
  readonly attached = new Promise<void>((resolve) => (this.#attached = resolve));
  constructor(
    private readonly path: string,
    private readonly reattach: boolean,
  ) {}
  attach(executionId: string, previous: PreviousRun): Promise<QueueAttachment> {
    this.previous.push(previous);
    this.#attached();
    const going = this.reattach && previous.executionId !== undefined;
    return Promise.resolve({
      executionId: going ? previous.executionId! : executionId,
      reattached: going,
      record: { where: 'outcomes-1' },
      lost: this.lost,
    });
  }
  pushTasks(tasks: readonly Task[]): Promise<void> {
    this.fileAtPush.push(readFileSync(this.path, 'utf8'));
    const ids = tasks.map((t) => t.id);
    this.pushes.push(ids);
    this.onPush(ids);
    return Promise.resolve();
  }
  outcomes(): Observable<OutcomeReport> {
    return new Subject<OutcomeReport>().pipe((source) => {
      const out = new Subject<OutcomeReport>();
      queueMicrotask(() => {
        for (const report of this.early) out.next(report);
      });
      this.reports.subscribe(out);
      source.subscribe(out);
      return out;
    });
  }
  succeed(id: string, returnValue: unknown): void {
    this.reports.next({ taskId: id, outcome: { returnValue, executionSecs: 0 } });
  }
}

describe('ExecutionQueue.attach', () => {
  it('should record what the queue asks and each pushed task before its push, then go on with that run', async () => {
    const path = join(dir, 'run.ckpt');
    const first = new DrivenQueue(path, true);
    const stop = new AbortController();
    first.onPush = (ids) => {
      if (ids[0] === 'a') queueMicrotask(() => stop.abort(new Error('killed')));
    };
    await expect(execute(layered(), { queue: first, checkpoint: path, signal: stop.signal })).rejects.toThrow(
      /cancelled/,
    );
    expect(first.pushes).toEqual([['a', 'b', 'c']]);
    expect(first.fileAtPush[0]).toMatch(/^p a$/m);
    expect(first.fileAtPush[0]).toMatch(/^p c$/m);
    expect(first.fileAtPush[0]).toContain('"queue":{"where":"outcomes-1"}');
    expect(first.previous).toEqual([{ executionId: undefined, record: undefined, pushed: new Set() }]);

    // The rerun: a's outcome came while no orchestrator ran (it arrives before a is yielded).
    const second = new DrivenQueue(path, true);
    second.early = [{ taskId: 'a', outcome: { returnValue: 1, executionSecs: 0 } }];
    second.onPush = (ids) => queueMicrotask(() => ids.forEach((id) => second.succeed(id, id === 'c' ? 3 : 4)));
    const run = execute(layered(), { queue: second, checkpoint: path });
    await second.attached;
    await new Promise((resolve) => setImmediate(resolve)); // the run starts, a's outcome comes
    expect(second.previous).toHaveLength(1);
    expect(second.previous[0]!.record).toEqual({ where: 'outcomes-1' });
    expect(second.previous[0]!.executionId).toMatch(/^exec-/);
    expect([...second.previous[0]!.pushed].sort()).toEqual(['a', 'b', 'c']);
    expect(second.pushes).toEqual([]); // a, b, c are the earlier run's: awaited, not pushed
    second.succeed('b', 2);
    expect(second.pushes).toEqual([]);
    second.lost.next('c'); // its outcome cannot come: pushed again
    const summary = await run;
    expect(second.pushes).toEqual([['c'], ['d']]);
    expect(summary.executionId).toBe(second.previous[0]!.executionId);
    expect(summary.succeeded).toBe(4);
    // Done: nothing the checkpoint holds is still pushed.
    expect(parseCheckpoint(readFileSync(path), path).pushed.size).toBe(0);
  });

  it('should push everything when the queue starts afresh, and forget the earlier pushes', async () => {
    const path = join(dir, 'fresh.ckpt');
    const first = new DrivenQueue(path, false);
    const stop = new AbortController();
    first.onPush = () => queueMicrotask(() => stop.abort(new Error('killed')));
    await expect(execute(layered(), { queue: first, checkpoint: path, signal: stop.signal })).rejects.toThrow(
      /cancelled/,
    );
    const second = new DrivenQueue(path, false);
    second.onPush = (ids) => queueMicrotask(() => ids.forEach((id) => second.succeed(id, 1)));
    await execute(layered(), { queue: second, checkpoint: path });
    expect(second.pushes).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('should drop the pushed tasks of a checkpoint when a queue without attach runs it', async () => {
    const path = join(dir, 'local.ckpt');
    const first = new DrivenQueue(path, true);
    const stop = new AbortController();
    first.onPush = () => queueMicrotask(() => stop.abort(new Error('killed')));
    await expect(execute(layered(), { queue: first, checkpoint: path, signal: stop.signal })).rejects.toThrow(
      /cancelled/,
    );
    expect(readFileSync(path, 'utf8')).toMatch(/^p a$/m);
    const ran: string[] = [];
    const local = (id: string): Task => new Task({ fn: () => ran.push(id), id, operationName: 'op' });
    const flow = new Flow({
      name: 'layered',
      fn: function* () {
        yield [local('a'), local('b'), local('c')];
        yield new Dependency();
        yield local('d');
      },
    });
    await execute(flow, { queue: new LocalExecutionQueue(), checkpoint: path });
    expect(ran.sort()).toEqual(['a', 'b', 'c', 'd']);
    const file = readFileSync(path, 'utf8');
    expect(file).not.toMatch(/^p /m);
    expect(file).toContain('"queue":null');
  });
});
