import { describe, expect, it } from 'vitest';
import { map } from 'rxjs';
import { flowSchema } from 'mazepa';
import { batchTasks, createBatchingSink, type TaskEmission } from '../src/streams/engine/batching-sink.js';
import { createFlowNode, createTaskNode } from '../src/streams/engine/nodes.js';
import { createStats } from '../src/streams/engine/stats.js';
import { createTestScheduler, labelOf, step } from './helpers.js';

const owner = createFlowNode(flowSchema(function* owner() {})(), undefined);
const node = (label: string) => createTaskNode(step.makeTask(label), owner);

describe('the batching sink (task emissions in, pushTasks batches out)', () => {
  it('cuts the buffered tasks into batches of at most maxBatchLen, in order, when flushed', () => {
    const scheduler = createTestScheduler();
    const schedule = (work: () => void, frame: number) => scheduler.schedule(work, frame);
    scheduler.run(({ expectObservable }) => {
      const events: string[] = [];
      const sink = createBatchingSink({
        executionId: 'e',
        maxBatchLen: 2,
        maxInFlight: 100,
        stats: createStats(),
        emit: (e) => events.push(e.type),
        taskEvents: true,
      });
      const out = sink.batches.pipe(map((batch) => batch.map(labelOf).join('')));
      schedule(() => {
        for (const label of 'abcde') sink.add(node(label), true);
        sink.flush();
      }, 1);
      schedule(() => {
        sink.add(node('f'), true);
        sink.flush();
      }, 10);
      schedule(() => sink.close(), 12);
      expectObservable(out).toBe('-(xyz)----w-|', { x: 'ab', y: 'cd', z: 'e', w: 'f' });
      schedule(() => expect(events).toEqual(Array(6).fill('task_submitted')), 13);
    });
  });

  it('applies backpressure: no room at maxInFlight until a refill (half of it, at most a batch) has drained', () => {
    const sink = createBatchingSink({
      executionId: 'e',
      maxBatchLen: 10,
      maxInFlight: 4,
      stats: createStats(),
      emit: () => {},
      taskEvents: false,
    });
    const room: boolean[] = [];
    for (const label of 'abcd') {
      room.push(sink.hasRoom());
      sink.add(node(label), true);
    }
    room.push(sink.hasRoom()); // 4 in flight: full
    sink.settled();
    room.push(sink.hasRoom()); // 3: still throttled
    sink.settled();
    room.push(sink.hasRoom()); // 2: a refill's worth drained
    sink.add(node('r'), false); // a retry does not count again
    expect(room).toEqual([true, true, true, true, false, false, true]);
    expect(sink.inFlight).toBe(2);
    expect(sink.buffered).toBe(5);
  });

  it('as an operator: sends a batch out as soon as an emission fills one, the rest at the flush', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const sink = createBatchingSink({
        executionId: 'e',
        maxBatchLen: 2,
        maxInFlight: 100,
        stats: createStats(),
        emit: () => {},
        taskEvents: false,
      });
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
        batchTasks(sink, (id) => id === adopted.id),
        map((batch) => batch.map(labelOf).join('')),
      );
      scheduler.schedule(() => sink.flush(), 10);
      expectObservable(out, '^----------!').toBe('----x-(yz)w', { x: 'ab', y: 'cd', z: 'e', w: 'f' });
      expectSubscriptions(source.subscriptions).toBe('^----------!');
      scheduler.schedule(() => {
        expect(adopted.state).toBe('submitted');
        expect(sink.inFlight).toBe(7);
      }, 11);
    });
  });
});
