import { describe, expect, it } from 'vitest';
import { Subject, map } from 'rxjs';
import { flowSchema } from 'mazepa';
import { batchTasks, createBatchingPolicy, type TaskEmission } from '../src/streams/engine/batching-sink.js';
import { createFlowNode, createTaskNode, type TaskNode } from '../src/streams/engine/graph/nodes.js';
import type { ExecutionEvent } from '../src/streams/execution-event.js';
import { createStats } from '../src/streams/engine/stats.js';
import { createTestScheduler, labelOf, step } from './helpers.js';

const owner = createFlowNode(flowSchema(function* owner() {})(), undefined);
const node = (label: string) => createTaskNode(step.makeTask(label), owner);

/** The batch stage with batches of two, flushed by `flushes`; the graph's `taskSubmitted` sets the state. */
function stage(flushes: Subject<void>, emit: (e: ExecutionEvent) => void, pushedBefore?: (id: string) => boolean) {
  return batchTasks({
    executionId: 'e',
    policy: { maxBatchLen: 2 },
    flushes,
    graph: { taskSubmitted: (n: TaskNode) => void (n.state = 'submitted') },
    stats: createStats(),
    emit,
    taskEvents: true,
    pushedBefore,
  });
}

describe('the batch stage (task emissions in, pushTasks batches out)', () => {
  it('cuts the buffered tasks into batches of at most maxBatchLen, in order, when flushed', () => {
    const scheduler = createTestScheduler();
    const schedule = (work: () => void, frame: number) => scheduler.schedule(work, frame);
    scheduler.run(({ expectObservable }) => {
      const events: string[] = [];
      const [emissions, flushes] = [new Subject<TaskEmission>(), new Subject<void>()];
      const out = emissions.pipe(
        stage(flushes, (e) => events.push(e.type)),
        map((batch) => batch.map(labelOf).join('')),
      );
      schedule(() => {
        emissions.next([...'abcde'].map(node));
        flushes.next();
      }, 1);
      schedule(() => {
        emissions.next(node('f'));
        flushes.next();
      }, 10);
      schedule(() => emissions.complete(), 12);
      expectObservable(out).toBe('-(xyz)----w-|', { x: 'ab', y: 'cd', z: 'e', w: 'f' });
      schedule(() => expect(events).toEqual(Array(6).fill('task_submitted')), 13);
    });
  });

  it('applies backpressure: no room at maxInFlight until a refill (half of it, at most a batch) has drained', () => {
    let inFlight = 0;
    const policy = createBatchingPolicy({ maxBatchLen: 10, maxInFlight: 4, inFlight: () => inFlight });
    const room: boolean[] = [];
    for (let i = 0; i < 4; i++) {
      room.push(policy.room());
      inFlight++;
    }
    room.push(policy.room()); // 4 in flight: full
    inFlight--;
    room.push(policy.room()); // 3: still throttled
    inFlight--;
    room.push(policy.room()); // 2: a refill's worth drained
    expect(room).toEqual([true, true, true, true, false, false, true]);
  });

  it('sends a batch out as soon as an emission fills one, the rest at the flush', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const flushes = new Subject<void>();
      const adopted = node('p');
      const emissions: Record<string, TaskEmission> = {
        a: node('a'),
        p: adopted, // pushed by an earlier run: submitted, not pushed again
        b: node('b'),
        l: [node('c'), node('d'), node('e')], // one yield of an array: cut after it
        f: node('f'),
      };
      const source = cold('a-p-b-l-f', emissions);
      const out = source.pipe(
        stage(
          flushes,
          () => {},
          (id) => id === adopted.id,
        ),
        map((batch) => batch.map(labelOf).join('')),
      );
      scheduler.schedule(() => flushes.next(), 10);
      expectObservable(out, '^----------!').toBe('----x-(yz)w', { x: 'ab', y: 'cd', z: 'e', w: 'f' });
      expectSubscriptions(source.subscriptions).toBe('^----------!');
      scheduler.schedule(() => expect(adopted.state).toBe('submitted'), 11);
    });
  });
});
