// What `checkpointing` does when its journal cannot write: the run fails with the write error (a
// run that cannot keep its checkpoint must not go on as if it could), the journal is closed once,
// and nothing comes after. Virtual time, with a journal that fails on demand.
import { TestScheduler } from 'rxjs/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CheckpointError, type ExecutionEvent } from 'mazepa';
import { createCheckpointLog } from '../src/streams/checkpoint/checkpoint-format.js';
import type { CheckpointJournal } from '../src/streams/checkpoint/checkpoint-journal.js';
import { checkpointing } from '../src/streams/checkpoint/checkpointing.js';

const ok = (taskId: string): ExecutionEvent => ({
  type: 'task_succeeded',
  executionId: 'e',
  taskId,
  operationName: 'op',
  outcome: { returnValue: undefined, executionSecs: 0 },
});
const started: ExecutionEvent = { type: 'execution_started', executionId: 'e' } as ExecutionEvent;
const diskFull = (what: string): CheckpointError =>
  new CheckpointError(`cannot write the checkpoint (${what})`, { path: 'x', phase: 'write' });

type Step = 'appendLogged' | 'appendMeta' | 'sync' | 'close';

/** A journal that notes its calls and throws at the steps of `failing` (every time). */
function failingJournal(calls: string[], failing: readonly Step[]) {
  return (): CheckpointJournal => {
    const step = (name: Step) => (): void => {
      calls.push(name);
      if (failing.includes(name)) throw diskFull(name);
    };
    return {
      appendLogged: () => (step('appendLogged')(), true),
      appendMeta: step('appendMeta'),
      sync: step('sync'),
      compact: () => void calls.push('compact'),
      close: step('close'),
    };
  };
}

/**
 * Runs `marbles` through `checkpointing` with a journal failing at `failing`, in virtual time;
 * returns the journal calls and the output (`<frame> next <type>`, `<frame> error <message>`,
 * `<frame> complete`), in order.
 */
function run(
  marbles: string,
  values: Record<string, ExecutionEvent>,
  failing: readonly Step[],
  sourceError?: Error,
): string[] {
  const seen = { log: [] as string[] };
  const scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
  scheduler.run(({ hot }) => {
    const source = hot<ExecutionEvent>(marbles, values, sourceError);
    source
      .pipe(
        checkpointing({
          path: 'x',
          intervalMs: 100,
          scheduler,
          flushScheduler: scheduler,
          loaded: { log: createCheckpointLog(), meta: {}, needsCompaction: false },
          open: failingJournal(seen.log, failing),
        }),
      )
      .subscribe({
        next: (e) => void seen.log.push(`${scheduler.now()} next ${e.type}`),
        error: (e: unknown) => void seen.log.push(`${scheduler.now()} error ${(e as Error).message}`),
        complete: () => void seen.log.push(`${scheduler.now()} complete`),
      });
  });
  return seen.log;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('checkpointing, when the journal cannot write', () => {
  it('should fail the run at the append that failed, close the journal once, and pass nothing after', () => {
    const log = run('a 50ms b 50ms c 500ms |', { a: ok('t1'), b: ok('t2'), c: ok('t3') }, ['appendLogged']);
    expect(log).toEqual([
      '0 next task_succeeded',
      'appendLogged',
      'close',
      '0 error cannot write the checkpoint (appendLogged)',
    ]);
  });

  it('should let go of the source at the failure', () => {
    const scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
    scheduler.run(({ hot, expectSubscriptions }) => {
      const source = hot<ExecutionEvent>('a 50ms b 50ms |', { a: ok('t1'), b: ok('t2') });
      source
        .pipe(
          checkpointing({
            path: 'x',
            intervalMs: 100,
            scheduler,
            flushScheduler: scheduler,
            loaded: { log: createCheckpointLog(), meta: {}, needsCompaction: false },
            open: failingJournal([], ['appendLogged']),
          }),
        )
        .subscribe({ error: () => {} });
      expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
  });

  it('should fail the run at a flush to disk that failed, and stop flushing', () => {
    const log = run('a 500ms |', { a: ok('t1') }, ['sync']);
    expect(log).toEqual([
      '0 next task_succeeded',
      'appendLogged',
      'sync',
      'close',
      '100 error cannot write the checkpoint (sync)',
    ]);
  });

  it('should fail the run when the execution id cannot be recorded', () => {
    const log = run('s a |', { s: started, a: ok('t1') }, ['appendMeta']);
    expect(log).toEqual(['appendMeta', 'close', '0 error cannot write the checkpoint (appendMeta)']);
  });

  it('should give the first write error, not that of the close that follows it', () => {
    const log = run('a 50ms |', { a: ok('t1') }, ['appendLogged', 'close']);
    expect(log).toEqual([
      '0 next task_succeeded',
      'appendLogged',
      'close',
      '0 error cannot write the checkpoint (appendLogged)',
    ]);
  });

  it('should fail a run that completed when its last write fails, and not say it completed', () => {
    const completed = { type: 'execution_completed', executionId: 'e' } as ExecutionEvent;
    const log = run('a 10ms z|', { a: ok('t1'), z: completed }, ['close']);
    expect(log).toEqual([
      '0 next task_succeeded',
      'appendLogged',
      'close',
      '11 error cannot write the checkpoint (close)',
    ]);
  });

  it("should pass on a failed run's own error when the last write fails too, with a warning", () => {
    const warnings: string[] = [];
    vi.spyOn(process, 'emitWarning').mockImplementation((w: string | Error) => void warnings.push(String(w)));
    const log = run('a 10ms #', { a: ok('t1') }, ['close'], new Error('the task failed'));
    expect(log).toEqual(['0 next task_succeeded', 'appendLogged', 'close', '11 error the task failed']);
    expect(warnings).toEqual(['mazepa: cannot write the checkpoint (close)']);
  });

  it('should fail at once when the journal cannot be opened', () => {
    const scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
    scheduler.run(({ cold, expectObservable }) => {
      const out = cold<ExecutionEvent>('a|', { a: ok('t1') }).pipe(
        checkpointing({
          path: 'x',
          intervalMs: 100,
          scheduler,
          loaded: { log: createCheckpointLog(), meta: {}, needsCompaction: false },
          open: () => {
            throw diskFull('open');
          },
        }),
      );
      expectObservable(out).toBe('#', undefined, diskFull('open'));
    });
  });
});
