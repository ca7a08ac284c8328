import { describe, expect, it } from 'vitest';
import { Subject, map, tap, type Observable } from 'rxjs';
import { flowSchema, observableFlow, type Task } from 'mazepa';
import { emissionsOf, type FlowDemand } from '../src/streams/engine/flow-emissions.js';
import { createFlowDriver } from '../src/streams/engine/flow-driver.js';
import { NONE, type Readied } from '../src/streams/engine/graph/execution-graph.js';
import { createFlowNode, type FlowNode } from '../src/streams/engine/graph/nodes.js';
import { createTestScheduler, labelOf, step } from './helpers.js';

const yieldsAll = flowSchema(function* yieldsAll(labels: string) {
  for (const label of labels) yield step.makeTask(label);
  return labels.length;
});

/** What the driver asks of the graph, kept by hand: readied flows, errors to throw in, ends logged. */
function fakeGraph(log: string[]) {
  let readied: FlowNode[] = [];
  const failed = new Subject<FlowNode>();
  const name = (flow: FlowNode): string => String(flow.flow.args[0] ?? flow.flow.name);
  return {
    ready(flow: FlowNode): void {
      flow.state = 'ready';
      readied.push(flow);
    },
    takeReadied(): Readied {
      const taken = readied;
      readied = [];
      return taken;
    },
    takeError(flow: FlowNode): Error | undefined {
      const error = flow.pendingError;
      flow.pendingError = undefined;
      return error;
    },
    flowReturned(flow: FlowNode, value: unknown): void {
      flow.state = 'done';
      log.push(`${name(flow)} returned ${String(value)}`);
    },
    flowFailed(flow: FlowNode, error: unknown): void {
      failed.next(flow);
      flow.state = 'done';
      log.push(`${name(flow)} failed: ${(error as Error).message}`);
    },
    sourceCompleted(flow: FlowNode): void {
      flow.state = 'finishing';
      log.push(`${name(flow)} finishing`);
    },
    failed,
  };
}

/** A driver over a fake graph with a room switch; `started` is its input of flows. */
function setup(maxBatchLen: number) {
  const log: string[] = [];
  let room = true;
  const graph = fakeGraph(log);
  const driver = createFlowDriver({ graph, maxBatchLen, room: () => room });
  const started = new Subject<FlowNode>();
  const emissions = started.pipe(driver.emissions);
  const letters = emissions.pipe(map(({ value }) => labelOf(value as Task)));
  /** A generator flow, ready and started. */
  const flow = (labels: string): FlowNode => {
    const node = createFlowNode(yieldsAll(labels), undefined);
    graph.ready(node);
    started.next(node);
    return node;
  };
  return { driver, graph, started, emissions, letters, log, flow, setRoom: (value: boolean) => (room = value) };
}

describe('one flow’s emissions under demand (emissionsOf with a FlowDemand)', () => {
  it('steps the generator only inside a request, while the demand pulls, and throws in what it hands over', () => {
    createTestScheduler().run(({ cold, expectObservable, flush }) => {
      let request: (() => void) | undefined;
      let budget = 0;
      const demand: FlowDemand = { attach: (r) => (request = r), pull: () => budget-- > 0 };
      const returned: unknown[] = [];
      const labels = emissionsOf(yieldsAll('abcde'), (value) => returned.push(value), demand).pipe(
        map((task) => labelOf(task as Task)),
      );
      expectObservable(labels).toBe('-(ab)(cd)(e|)');
      // Frames 1, 5 and 9 grant two steps each; nothing is stepped in between.
      cold('-x---x---x').subscribe(() => {
        budget = 2;
        request!();
      });
      flush();
      expect(returned).toEqual([5]);
    });
  });

  it('throws an Error that the demand hands over into the generator', () => {
    const caught: string[] = [];
    const catcher = flowSchema(function* catcher() {
      try {
        yield step.makeTask('w');
      } catch (error) {
        caught.push((error as Error).message);
      }
      yield step.makeTask('after');
    });
    const pulls: (boolean | Error)[] = [true, new Error('thrown in'), false];
    const seen: string[] = [];
    emissionsOf(catcher(), undefined, { attach: (request) => request(), pull: () => pulls.shift() ?? false }).subscribe(
      (task) => seen.push(labelOf(task as Task)),
    );
    expect(seen).toEqual(['w', 'after']);
    expect(caught).toEqual(['thrown in']);
  });
});

describe('the flow driver (every flow’s Observable, pulled in turns while there is room)', () => {
  it('gives each ready flow a turn of maxBatchLen yields, the flow whose turn is over going to the back', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const { driver, letters, log, flow } = setup(2);
      const idle: string[] = [];
      driver.idle.subscribe(() => idle.push('idle'));
      expectObservable(letters).toBe('-(abxycde)');
      scheduler.schedule(() => {
        flow('abcde');
        flow('xy');
        driver.move(NONE);
      }, 1);
      scheduler.schedule(() => {
        expect(log).toEqual(['xy returned 2', 'abcde returned 5']);
        expect(idle).toEqual(['idle']);
        expect(driver.busy).toBe(false);
      }, 2);
    });
  });

  it('stops at no room and goes on, with the same flow first, when moved with room again', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const { driver, emissions, flow, setRoom } = setup(10);
      let count = 0;
      const letters = emissions.pipe(
        tap(() => {
          if (++count === 2) setRoom(false);
        }),
        map(({ value }) => labelOf(value as Task)),
      );
      expectObservable(letters).toBe('-(ab)---(cx)');
      scheduler.schedule(() => {
        flow('abc');
        flow('x');
        driver.move(NONE);
      }, 1);
      scheduler.schedule(() => expect(driver.busy).toBe(true), 2);
      scheduler.schedule(() => {
        setRoom(true);
        driver.move(NONE);
      }, 8);
    });
  });

  it('throws the graph’s pending error into the generator, and tells the graph of a generator that throws', () => {
    const { driver, graph, started, emissions, log } = setup(10);
    const caught: string[] = [];
    const catcher = flowSchema(function* catcher(_name: string) {
      try {
        yield step.makeTask('w');
      } catch (error) {
        caught.push((error as Error).message);
        throw new Error('rethrown');
      }
    });
    emissions.subscribe(({ flow }) => {
      flow.pendingError = new Error('from the gate');
    });
    const node = createFlowNode(catcher('c'), undefined);
    graph.ready(node);
    started.next(node);
    driver.move(NONE);
    expect(caught).toEqual(['from the gate']);
    expect(log).toEqual(['c failed: rethrown']);
  });

  it('runs a move that comes while flows are pulled as one more round, and says when it comes to rest', () => {
    // Each round ends in `idle` (the batch stage flushes); the turns end in `quiet` (the deadlock check).
    const { driver, graph, started, emissions, flow, log } = setup(10);
    const events: string[] = [];
    const later = createFlowNode(yieldsAll('z'), undefined);
    const subscription = emissions.subscribe(({ value }) => {
      events.push(labelOf(value as Task));
      if (labelOf(value as Task) === 'a') {
        graph.ready(later);
        started.next(later);
        driver.move(NONE); // as a completion delivered while a batch is pushed would
      }
    });
    driver.idle.subscribe(() => events.push('idle'));
    driver.quiet.subscribe(() => events.push('quiet'));
    flow('ab');
    driver.move(NONE);
    expect(events).toEqual(['a', 'b', 'z', 'idle', 'idle', 'quiet']);
    expect(log).toEqual(['ab returned 2', 'z returned 1']);
    subscription.unsubscribe();
    flow('q');
    driver.move(NONE);
    expect(events).toHaveLength(6);
  });

  it('closes every flow when unsubscribed: generators (their finally runs, even one that throws) and sources', () => {
    createTestScheduler().run(({ cold, expectSubscriptions, flush }) => {
      const { driver, graph, started, emissions } = setup(10);
      const closed: string[] = [];
      const open = flowSchema(function* open(name: string) {
        try {
          yield step.makeTask(name);
          yield step.makeTask(`${name}2`);
        } finally {
          closed.push(name);
          if (name === 'b') throw new Error('finally throws'); // eslint-disable-line no-unsafe-finally
        }
      });
      const subscription = emissions.subscribe(({ flow }) => {
        if (flow.flow.source === undefined) flow.state = 'waiting'; // each waits after its first yield
      });
      for (const name of ['a', 'b', 'c']) {
        const node = createFlowNode(open(name), undefined);
        graph.ready(node);
        started.next(node);
      }
      const source = cold<Task>('-a-b-');
      const streamed = createFlowNode(observableFlow(source, { name: 'streamed' }), undefined);
      streamed.state = 'streaming';
      started.next(streamed);
      driver.move(NONE);
      expect(closed).toEqual([]);
      expect(driver.busy).toBe(true);
      cold('--x').subscribe(() => subscription.unsubscribe());
      expectSubscriptions(source.subscriptions).toBe('^-!');
      flush();
      expect(closed).toEqual(['a', 'b', 'c']);
      expect(driver.busy).toBe(false);
    });
  });

  it('merges an observable flow’s values into the emissions until its source completes, moving on each', () => {
    createTestScheduler().run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const { driver, started, emissions, log } = setup(10);
      driver.idle.subscribe(() => log.push('moved'));
      const source = cold('-a--b|', { a: step.makeTask('a'), b: step.makeTask('b') });
      const streamed = createFlowNode(observableFlow(source, { name: 'streamed' }), undefined);
      streamed.state = 'streaming';
      expectObservable(emissions.pipe(map(({ flow, value }) => `${flow.flow.name}:${labelOf(value as Task)}`))).toBe(
        '-a--b',
        { a: 'streamed:a', b: 'streamed:b' },
      );
      cold('x').subscribe(() => {
        started.next(streamed);
        expect(driver.busy).toBe(true);
      });
      expectSubscriptions(source.subscriptions).toBe('^----!');
      flush();
      expect(log).toEqual(['moved', 'moved', 'streamed finishing', 'moved']);
      expect(driver.busy).toBe(false);
      expect(streamed.state).toBe('finishing');
    });
  });

  it('fails an observable flow whose source errors, or emits what is not a task or flow, and unsubscribes it', () => {
    createTestScheduler().run(({ cold, expectSubscriptions, flush }) => {
      const { driver, started, emissions, log } = setup(10);
      driver.idle.subscribe(() => log.push('moved'));
      const erring = cold('-a-#', { a: step.makeTask('a') }, new Error('source broke'));
      const misusing = cold<unknown>('--x---y|', { x: 7, y: step.makeTask('y') });
      // The router has the graph throw a TypeError into a flow with a bad yield; here, a stand-in for it.
      emissions.subscribe(({ flow, value }) => {
        if (typeof value === 'number') flow.pendingError = new TypeError('not a task');
      });
      const nodes = [
        createFlowNode(observableFlow(erring, { name: 'erring' }), undefined),
        createFlowNode(observableFlow(misusing as Observable<Task>, { name: 'misusing' }), undefined),
      ];
      for (const node of nodes) {
        node.state = 'streaming';
        started.next(node);
      }
      expectSubscriptions(erring.subscriptions).toBe('^--!');
      expectSubscriptions(misusing.subscriptions).toBe('^-!');
      flush();
      expect(log).toEqual(['moved', 'misusing failed: not a task', 'moved', 'erring failed: source broke', 'moved']);
      expect(driver.busy).toBe(false);
    });
  });
});
