import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { LocalExecutionQueue, execution, taskableOperation, type ExecutionEvent, type Task } from 'mazepa';
import { createTestScheduler } from './helpers.js';

const quiet = { showProgress: false } as const;

/** A thenable that resolves after `ms` on the scheduler: an async task that runs in virtual time. */
function after(ms: number, scheduler: SchedulerLike = asyncScheduler): PromiseLike<string> {
  return {
    then(onFulfilled) {
      scheduler.schedule(() => onFulfilled?.('ok'), ms);
      return undefined as never;
    },
  };
}

const gpuWork = taskableOperation(
  function gpuWork(_label: string, ms: number) {
    return after(ms);
  },
  { resources: { gpu: 1 } },
);
const bigGpuWork = taskableOperation(
  function bigGpuWork(_label: string, ms: number) {
    return after(ms);
  },
  { resources: { gpu: 2, io: 1 } },
);
const ioWork = taskableOperation(
  function ioWork(_label: string, ms: number) {
    return after(ms);
  },
  { resources: { io: 1 } },
);
const freeWork = taskableOperation(function freeWork(_label: string, ms: number) {
  return after(ms);
});

/** Runs the tasks at once on a local queue and returns, per task label, its start and end (ms). */
function timeline(tasks: Task[], limits: Record<string, number>): Record<string, string> {
  const out: Record<string, string> = {};
  createTestScheduler().run(({ flush }) => {
    const queue = new LocalExecutionQueue({ concurrency: Infinity, scheduler: asyncScheduler, resourceLimits: limits });
    const label = new Map(tasks.map((t) => [t.id, String(t.args[0])]));
    execution(tasks, { ...quiet, queue }).subscribe({
      next: (e: ExecutionEvent) => {
        const l = 'taskId' in e ? label.get(e.taskId)! : '';
        if (e.type === 'task_succeeded') out[l] = `-${asyncScheduler.now()}`;
        if (e.type === 'task_failed') out[l] = `failed: ${e.error.message}`;
      },
      error: () => {},
    });
    flush();
  });
  return out;
}

describe('resource limits (marbles)', () => {
  it('should run at most the limit of tasks using a resource at once, and others freely', () => {
    const tasks = [
      ...['g1', 'g2', 'g3', 'g4', 'g5'].map((l) => gpuWork.makeTask(l, 10)),
      freeWork.makeTask('f1', 10),
      freeWork.makeTask('f2', 10),
    ];
    // gpu 2 at once: 0-10, 0-10, 10-20, 10-20, 20-30; the free ones all at 0
    expect(timeline(tasks, { gpu: 2 })).toEqual({
      g1: '-10',
      g2: '-10',
      g3: '-20',
      g4: '-20',
      g5: '-30',
      f1: '-10',
      f2: '-10',
    });
  });

  it('should count every resource a task uses, and not let a waiting task hold up other resources', () => {
    const tasks = [
      bigGpuWork.makeTask('b1', 10), // gpu 2 + io 1: 0-10
      gpuWork.makeTask('g1', 10), // waits for gpu: 10-20
      ioWork.makeTask('i1', 5), // waits for io: 10-15
      ioWork.makeTask('i2', 5), // 15-20
      bigGpuWork.makeTask('b2', 10), // needs gpu 2: after g1, 20-30
    ];
    expect(timeline(tasks, { gpu: 2, io: 1 })).toEqual({ b1: '-10', g1: '-20', i1: '-15', i2: '-20', b2: '-30' });
  });

  it('should fail a task that needs more than a limit, naming it', () => {
    const result = timeline([bigGpuWork.makeTask('b1', 10)], { gpu: 1 });
    expect(result['b1']).toMatch(/cannot run task \S+: it needs 2 gpu, over the limit of 1/);
  });

  it('should refuse invalid limits and resources with a TypeError naming them', () => {
    expect(() => new LocalExecutionQueue({ resourceLimits: { gpu: 0 } })).toThrow(
      "LocalExecutionQueue: option 'resourceLimits.gpu' must be a whole number >= 1, received 0",
    );
    expect(() => taskableOperation(function badResources() {}, { resources: [] as never })).toThrow(TypeError);
  });
});
