import { describe, expect, it } from 'vitest';
import { map } from 'rxjs';
import { flowSchema, type Task } from 'mazepa';
import { createFlowStepper } from '../src/streams/engine/flow-stepper.js';
import { createFlowNode, type FlowNode } from '../src/streams/engine/nodes.js';
import { createTestScheduler, labelOf, step } from './helpers.js';

const yieldsAll = flowSchema(function* yieldsAll(labels: string) {
  for (const label of labels) yield step.makeTask(label);
  return labels.length;
});

/** A stepper over the given flows with a room switch, recording returns and throws. */
function setup(maxBatchLen: number) {
  const log: string[] = [];
  let room = true;
  const stepper = createFlowStepper({
    maxBatchLen,
    hasRoom: () => room,
    returned: (flow, value) => {
      flow.state = 'done';
      log.push(`${String(flow.flow.args[0])} returned ${String(value)}`);
    },
    threw: (flow, error) => {
      flow.state = 'done';
      log.push(`${String(flow.flow.args[0])} threw ${(error as Error).message}`);
    },
  });
  const letters = stepper.yields.pipe(map(({ value }) => labelOf(value as Task)));
  const flow = (labels: string): FlowNode => createFlowNode(yieldsAll(labels), undefined);
  return { stepper, letters, log, flow, setRoom: (value: boolean) => (room = value) };
}

describe('the flow stepper (the ready queue, stepped on demand in turns)', () => {
  it('gives each ready flow a turn of maxBatchLen yields, the flow whose turn is over going to the back', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const { stepper, letters, log, flow } = setup(2);
      const idle: string[] = [];
      stepper.idle.subscribe(() => idle.push('idle'));
      stepper.makeReady(flow('abcde'));
      stepper.makeReady(flow('xy'));
      scheduler.schedule(() => stepper.pump(), 1);
      expectObservable(letters).toBe('-(abxycde)');
      scheduler.schedule(() => {
        expect(log).toEqual(['xy returned 2', 'abcde returned 5']);
        expect(idle).toEqual(['idle']);
        expect(stepper.hasReady).toBe(false);
      }, 2);
    });
  });

  it('stops at no room and goes on, with the same flow first, when pumped with room again', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const { stepper, letters, flow, setRoom } = setup(10);
      let count = 0;
      stepper.yields.subscribe(() => {
        if (++count === 2) setRoom(false);
      });
      stepper.makeReady(flow('abc'));
      stepper.makeReady(flow('x'));
      scheduler.schedule(() => stepper.pump(), 1);
      scheduler.schedule(() => expect(stepper.hasReady).toBe(true), 2);
      scheduler.schedule(() => {
        setRoom(true);
        stepper.pump();
      }, 8);
      expectObservable(letters).toBe('-(ab)---(cx)');
    });
  });

  it('throws a pending error into the generator, and reports a generator that throws', () => {
    const { stepper, log } = setup(10);
    const caught: string[] = [];
    const catcher = flowSchema(function* catcher(_name: string) {
      try {
        yield step.makeTask('w');
      } catch (error) {
        caught.push((error as Error).message);
        throw new Error('rethrown');
      }
    });
    const node = createFlowNode(catcher('c'), undefined);
    stepper.yields.subscribe(({ flow }) => {
      flow.pendingError = new Error('from the gate');
    });
    stepper.makeReady(node);
    stepper.pump();
    expect(caught).toEqual(['from the gate']);
    expect(log).toEqual(['c threw rethrown']);
  });

  it('runs a re-entrant pump as one more round of the running one, and says when it comes to rest', () => {
    // Each round ends in `idle` (the sink flushes); the pump ends in `quiet` (the deadlock check).
    const { stepper, flow, log } = setup(10);
    const events: string[] = [];
    const later = flow('z');
    stepper.yields.subscribe(({ value }) => {
      events.push(labelOf(value as Task));
      if (labelOf(value as Task) === 'a') {
        stepper.makeReady(later);
        stepper.pump(); // as a completion delivered while a batch is pushed would
      }
    });
    stepper.idle.subscribe(() => events.push('idle'));
    stepper.quiet.subscribe(() => events.push('quiet'));
    stepper.makeReady(flow('ab'));
    stepper.pump();
    expect(events).toEqual(['a', 'b', 'z', 'idle', 'idle', 'quiet']);
    expect(log).toEqual(['ab returned 2', 'z returned 1']);
    stepper.stop();
    stepper.makeReady(flow('q'));
    stepper.pump();
    expect(events).toHaveLength(6);
  });
});
