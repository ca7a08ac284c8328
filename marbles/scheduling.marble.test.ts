import { describe, expect, it } from 'vitest';
import { Dependency, execution, flowSchema, type Task } from 'mazepa';
import { MarbleExecutionQueue } from 'mazepa/testing';
import { createTestScheduler, labelOf, labels, step, taskLetters, typeLetters } from './helpers.js';

const quiet = { showProgress: false } as const;

describe('scheduling (marbles)', () => {
  it('should push tasks in yield order, in batches of maxBatchLen, flows taking turns of maxBatchLen yields', () => {
    createTestScheduler().run(({ cold, flush }) => {
      const made: Task[] = [];
      const t = (label: string): Task => {
        const task = step.makeTask(label);
        made.push(task);
        return task;
      };
      const queue = new MarbleExecutionQueue({ work: () => cold('20ms x|') });
      const sub = flowSchema(function* orderSub() {
        yield t('e');
        yield t('f');
      });
      const root = flowSchema(function* orderRoot() {
        yield t('a');
        yield t('b');
        yield [t('c'), t('d')];
        yield sub();
        yield t('g');
      });
      execution(root(), { ...quiet, queue, maxBatchLen: 2 }).subscribe();
      flush();
      expect(queue.pushes.map((p) => [p.frame, labels(p.taskIds, made)])).toEqual([
        [0, ['a', 'b']],
        [0, ['c', 'd']],
        [0, ['e', 'f']],
        [0, ['g']],
      ]);
    });
  });

  it('should complete the flows and the execution in the frame the last outcome arrives', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const queue = new MarbleExecutionQueue({ work: () => cold('20ms x|') });
      const sub = flowSchema(function* doneSub() {
        yield step.makeTask('e');
        yield step.makeTask('f');
      });
      const root = flowSchema(function* doneRoot() {
        yield [step.makeTask('a'), step.makeTask('b'), sub()];
      });
      expectObservable(execution(root(), { ...quiet, queue }).pipe(typeLetters)).toBe('(xssss) 13ms (kkkkffc|)');
    });
  });

  it('should resume a waiting flow in the frame its dependency completes', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const durations: Record<string, string> = { a: '5ms x|', b: '10ms x|', c: '8ms x|' };
      const queue = new MarbleExecutionQueue({ work: (task) => cold(durations[labelOf(task)]!) });
      const [a, b, c] = [step.makeTask('a'), step.makeTask('b'), step.makeTask('c')];
      const root = flowSchema(function* gated() {
        yield a;
        yield b;
        yield new Dependency(a);
        yield c;
      });
      // a is done at 5 and c goes out at 5; b is done at 10; c at 13.
      expectObservable(execution(root(), { ...quiet, queue }).pipe(taskLetters([a, b, c]))).toBe(
        '(AB) 1ms (aC) - b 2ms (c|)',
      );
    });
  });

  it('should run a subflow concurrently with its parent', () => {
    createTestScheduler().run(({ cold, flush }) => {
      const durations: Record<string, string> = { s1: '10ms x|', p1: '2ms x|', p2: '2ms x|' };
      const queue = new MarbleExecutionQueue({ work: (task) => cold(durations[labelOf(task)]!) });
      const [s1, p1, p2] = [step.makeTask('s1'), step.makeTask('p1'), step.makeTask('p2')];
      const tasks = [s1, p1, p2];
      const sub = flowSchema(function* slowSub() {
        yield s1;
      });
      const done: [string, number][] = [];
      const root = flowSchema(function* parent() {
        yield sub();
        yield p1;
        yield new Dependency(p1);
        yield p2;
      });
      execution(root(), { ...quiet, queue }).subscribe((e) => {
        if (e.type === 'task_succeeded') done.push([labels([e.taskId], tasks)[0]!, queue.pushes.length]);
        if (e.type === 'flow_completed') done.push([e.flowName, queue.pushes.length]);
      });
      flush();
      expect(queue.pushes.map((p) => [p.frame, labels(p.taskIds, tasks)])).toEqual([
        [0, ['p1', 's1']],
        [2, ['p2']],
      ]);
      // p2 ran and finished while the subflow's task was still running.
      expect(done.map(([what]) => what)).toEqual(['p1', 'p2', 's1', 'slowSub', 'parent']);
    });
  });
});
