import { describe, expect, it } from 'vitest';
import { map, type Observable } from 'rxjs';
import { flowSchema, observableFlow, type Task } from 'mazepa';
import { createFlowNode, type FlowNode } from '../src/streams/engine/nodes.js';
import { createSubflows } from '../src/streams/engine/subflows.js';
import { createTestScheduler, labelOf, step } from './helpers.js';

const gen = flowSchema(function* generatorSub() {});

/** Subflows over a fresh flow map, recording what happens to the flows. */
function setup() {
  const log: string[] = [];
  const flows = new Map<string, FlowNode>();
  const owner = createFlowNode(flowSchema(function* owner() {})(), undefined);
  const subflows = createSubflows({
    flows,
    gate: {
      adopt: () => {},
      waitForAll: (flow, state) => log.push(`${flow.flow.name} ${state}`),
    },
    makeReady: (flow) => log.push(`${flow.flow.name} ready`),
    fail: (flow, error) => {
      subflows.stop(flow);
      flow.state = 'done';
      log.push(`${flow.flow.name} failed: ${error.message}`);
    },
    moved: () => log.push('moved'),
  });
  const letters = subflows.yields.pipe(map(({ flow, value }) => `${flow.flow.name}:${labelOf(value as Task)}`));
  return { log, flows, owner, subflows, letters };
}

describe('subflows (started as yielded; an observable flow’s source merged into the yields)', () => {
  it('readies a generator flow, and emits an observable flow’s values as its yields until the source completes', () => {
    createTestScheduler().run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const { log, flows, owner, subflows, letters } = setup();
      const source = cold('-a--b|', { a: step.makeTask('a'), b: step.makeTask('b') });
      const streamed = observableFlow(source, { name: 'streamed' });
      subflows.start(owner, gen());
      subflows.start(owner, streamed);
      subflows.start(owner, streamed); // the same flow again: nothing new starts
      expect(subflows.streaming).toBe(1);
      expectObservable(letters.pipe(map((l) => l.replace('streamed:', '')))).toBe('-a--b');
      expectSubscriptions(source.subscriptions).toBe('^----!');
      flush();
      expect(log).toEqual(['generatorSub ready', 'moved', 'moved', 'streamed finishing', 'moved']);
      expect(subflows.streaming).toBe(0);
      expect(owner.pendingChildren).toBe(2);
      expect(flows.get(streamed.id)?.state).toBe('finishing');
    });
  });

  it('fails an observable flow whose source errors, or emits what is not a task or flow, and unsubscribes it', () => {
    createTestScheduler().run(({ cold, expectSubscriptions, flush }) => {
      const { log, owner, subflows } = setup();
      const erring = cold('-a-#', { a: step.makeTask('a') }, new Error('source broke'));
      const misusing = cold<unknown>('--x---y|', { x: 7, y: step.makeTask('y') });
      // The router sets the TypeError of a bad yield; here, a stand-in for it.
      subflows.yields.subscribe(({ flow, value }) => {
        if (typeof value === 'number') flow.pendingError = new TypeError('not a task');
      });
      subflows.start(owner, observableFlow(erring, { name: 'erring' }));
      subflows.start(owner, observableFlow(misusing as Observable<Task>, { name: 'misusing' }));
      expectSubscriptions(erring.subscriptions).toBe('^--!');
      expectSubscriptions(misusing.subscriptions).toBe('^-!');
      flush();
      expect(log).toEqual(['moved', 'misusing failed: not a task', 'moved', 'erring failed: source broke', 'moved']);
      expect(subflows.streaming).toBe(0);
    });
  });
});
