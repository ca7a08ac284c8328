import { describe, expect, it } from 'vitest';
import { asyncScheduler } from 'rxjs';
import { execution, flowSchema, observableFlow, type Task } from 'mazepa';
import { MarbleExecutionQueue } from 'mazepa/testing';
import { createTestScheduler, labels, step, taskLetters } from './helpers.js';

const quiet = { showProgress: false } as const;

describe('backpressure (marbles)', () => {
  it('should not pull a flow further while maxInFlight tasks are outstanding', () => {
    createTestScheduler().run(({ cold, flush }) => {
      const queue = new MarbleExecutionQueue({ work: () => cold('5ms x|') });
      const created: [number, number][] = [];
      const made: Task[] = [];
      let maxOutstanding = 0;
      let outstanding = 0;
      const root = flowSchema(function* manyTasks() {
        for (let i = 0; i < 6; i++) {
          created.push([i, asyncScheduler.now()]);
          const task = step.makeTask(`t${i}`);
          made.push(task);
          yield task;
        }
      });
      execution(root(), { ...quiet, queue, maxInFlight: 2 }).subscribe((e) => {
        if (e.type === 'task_submitted') maxOutstanding = Math.max(maxOutstanding, ++outstanding);
        if (e.type === 'task_succeeded') outstanding--;
      });
      flush();
      // The generator itself is only advanced as capacity frees: tasks 2 and 3 are not even
      // created before the first two are done.
      expect(created).toEqual([
        [0, 0],
        [1, 0],
        [2, 5],
        [3, 5],
        [4, 10],
        [5, 10],
      ]);
      expect(maxOutstanding).toBe(2);
      expect(queue.pushes.map((p) => [p.frame, labels(p.taskIds, made)])).toEqual([
        [0, ['t0', 't1']],
        [5, ['t2']],
        [5, ['t3']],
        [10, ['t4']],
        [10, ['t5']],
      ]);
    });
  });

  it('should refill in batches when maxInFlight is larger than a batch', () => {
    createTestScheduler().run(({ cold, flush }) => {
      const queue = new MarbleExecutionQueue({ work: () => cold('5ms x|') });
      const root = flowSchema(function* batches() {
        for (let i = 0; i < 40; i++) yield step.makeTask(`b${i}`);
      });
      execution(root(), { ...quiet, queue, maxInFlight: 20, maxBatchLen: 10 }).subscribe();
      flush();
      // 20 go out at once; once 10 are done the next 10 go, so batches stay full.
      expect(queue.pushes.map((p) => [p.frame, p.taskIds.length])).toEqual([
        [0, 10],
        [0, 10],
        [5, 10],
        [5, 10],
      ]);
    });
  });

  it('should submit the tasks of an observable flow as they arrive', () => {
    createTestScheduler().run(({ cold, hot, expectObservable }) => {
      const a = step.makeTask('a');
      const b = step.makeTask('b');
      const queue = new MarbleExecutionQueue({ work: () => cold('3ms x|') });
      const source = hot('--a---b-|', { a, b });
      expectObservable(execution(observableFlow(source), { ...quiet, queue }).pipe(taskLetters([a, b]))).toBe(
        '--A--aB--(b|)',
      );
    });
  });
});
