import { Observable, Subscription, type OperatorFunction, type Subscriber } from 'rxjs';
import { emissionsOf, type FlowDemand } from './flow-emissions.js';
import type { ExecutionGraph, Readied } from './graph/execution-graph.js';
import type { FlowNode } from './graph/nodes.js';
import { createHotStream } from './hot-stream.js';

/** One value a flow yielded (or its observable source emitted), as it travels down the pipeline. @internal */
export interface FlowYield {
  readonly flow: FlowNode;
  readonly value: unknown;
}

/** What the flow driver needs from the execution around it. @internal */
export interface FlowDriverConfig {
  /** Which flows are ready, the errors to throw into them, and how they end. */
  readonly graph: Pick<
    ExecutionGraph,
    'takeReadied' | 'takeError' | 'flowReturned' | 'flowFailed' | 'sourceCompleted' | 'failed'
  >;
  /** Yields per turn: a flow that has yielded this many steps aside for the next ready one. */
  readonly maxBatchLen: number;
  /** Backpressure: whether flows may yield more now (the batching policy's `room`). */
  readonly room: () => boolean;
}

/** The stage that turns the flows of an execution into one stream of emissions. @internal */
export interface FlowDriver {
  /**
   * The stage: the flows that start in (the root, then each subflow as it is yielded), every
   * flow's emissions out. Each flow is subscribed as its own Observable ({@link emissionsOf}),
   * a generator flow under a {@link FlowDemand}, an `observableFlow`'s source as it is; the
   * emissions merge in the order they happen. One subscriber (the execution's); unsubscribing
   * closes every flow (generators' `finally` blocks run).
   */
  readonly emissions: OperatorFunction<FlowNode, FlowYield>;
  /** The input that moves it: flows made ready (by the gate, often none); then the ready flows get their turns. */
  move(readied: Readied): void;
  /** After each round of turns: nothing more can be pulled now (the batch stage flushes here). */
  readonly idle: Observable<void>;
  /** After the turns: the pipeline is at rest until a completion, a retry or a source moves it. */
  readonly quiet: Observable<void>;
  /** Whether a flow can go on without a completion: a ready one, or a source still emitting. */
  readonly busy: boolean;
}

/**
 * Makes the flow driver of one execution: it owns the ready queue and every flow's
 * subscription. Generator flows are pulled in turns: a move gives each ready flow a turn of at
 * most `maxBatchLen` yields while there is room, so that a root yielding 10^6 tasks does not
 * starve its subflows; a flow whose turn is over goes to the back, one stopped for room to the
 * front. Each yield is handled downstream before the generator is stepped again (everything is
 * synchronous), so a yield that makes the flow wait ends its turn. Moves that come while flows
 * are being pulled make the running round go again.
 *
 * @internal
 */
export function createFlowDriver(config: FlowDriverConfig): FlowDriver {
  const { graph, maxBatchLen, room } = config;
  const idle = createHotStream<void>();
  const quiet = createHotStream<void>();
  // The ready queue (flows in the order they were made ready, `head` the next) and each flow's
  // subscription and `request` (how its Observable is pulled).
  const ready: FlowNode[] = [];
  let head = 0;
  const subscriptions = new Map<FlowNode, Subscription>();
  const requests = new Map<FlowNode, () => void>();
  let downstream: Subscriber<FlowYield> | undefined;
  let turn = 0;
  let streaming = 0;
  let pumping = false;
  let again = false;

  const enqueue = (readied: Readied): void => {
    for (let i = 0; i < readied.length; i++) ready.push(readied[i]!);
  };

  /** The demand of a generator flow: it steps while it is ready, has room, and its turn lasts. */
  const demandOf = (flow: FlowNode): FlowDemand => ({
    attach: (request) => void requests.set(flow, request),
    pull() {
      if (downstream === undefined || flow.state !== 'ready') return false;
      enqueue(graph.takeReadied()); // what its last yield made ready comes before it
      if (!room()) {
        ready[--head] = flow; // first to go on once room frees
        return false;
      }
      if (turn-- === 0) {
        ready.push(flow); // its turn is over: others get theirs, then it goes on
        return false;
      }
      return graph.takeError(flow) ?? true;
    },
  });

  /** Gives the ready flows their turns, round after round while moves come in, then tells idle and quiet. */
  function pump(): void {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        enqueue(graph.takeReadied());
        while (downstream !== undefined && head < ready.length && room()) {
          const flow = ready[head++]!;
          if (flow.state === 'ready') {
            turn = maxBatchLen;
            requests.get(flow)?.();
            enqueue(graph.takeReadied());
          }
          if (head > 1024 && head * 2 > ready.length) {
            ready.splice(0, head);
            head = 0;
          }
        }
        if (downstream !== undefined) idle.next();
      } while (again && downstream !== undefined);
    } finally {
      pumping = false;
    }
    if (downstream !== undefined) quiet.next();
  }

  /** Subscribes a flow that starts: a generator flow under its demand, a source as it is. */
  function join(flow: FlowNode): void {
    // Registered before it is subscribed: a source may emit, end or be stopped as it is subscribed.
    const subscription = new Subscription();
    subscriptions.set(flow, subscription);
    if (flow.flow.source === undefined) {
      const emissions = emissionsOf(flow.flow, (value) => graph.flowReturned(flow, value), demandOf(flow));
      subscription.add(
        emissions.subscribe({
          next: (value) => downstream?.next({ flow, value }),
          error: (error: unknown) => {
            release(flow);
            graph.flowFailed(flow, error);
          },
          complete: () => void release(flow),
        }),
      );
      return;
    }
    // Sources are not pulled: what they emit moves the pipeline, as a completion does.
    streaming++;
    subscription.add(
      emissionsOf(flow.flow).subscribe({
        next: (value) => {
          if (flow.state !== 'streaming') return;
          downstream?.next({ flow, value });
          const error = graph.takeError(flow);
          if (error !== undefined && flow.state === 'streaming') graph.flowFailed(flow, error);
          pump();
        },
        error: (error: unknown) => {
          if (release(flow) === undefined || flow.state !== 'streaming') return;
          graph.flowFailed(flow, error);
          pump();
        },
        complete: () => {
          if (release(flow) === undefined || flow.state !== 'streaming') return;
          graph.sourceCompleted(flow);
          pump();
        },
      }),
    );
  }

  /** A flow's Observable ended or is to be stopped: it is no longer driven. */
  function release(flow: FlowNode): Subscription | undefined {
    const subscription = subscriptions.get(flow);
    if (subscription === undefined) return undefined;
    subscriptions.delete(flow);
    requests.delete(flow);
    if (flow.flow.source !== undefined) streaming--;
    return subscription;
  }

  /** A flow failed before its end: its Observable is unsubscribed (a source stops emitting). */
  const stop = (flow: FlowNode): void => release(flow)?.unsubscribe();

  return {
    emissions: (started) =>
      new Observable<FlowYield>((subscriber) => {
        downstream = subscriber;
        subscriber.add(graph.failed.subscribe(stop));
        subscriber.add(started.subscribe(join));
        subscriber.add(() => {
          downstream = undefined;
          const open = [...subscriptions.values()];
          subscriptions.clear();
          requests.clear();
          streaming = 0;
          for (const subscription of open) subscription.unsubscribe();
          idle.complete();
          quiet.complete();
        });
      }),
    move(readied) {
      enqueue(readied);
      pump();
    },
    idle: idle.observable,
    quiet: quiet.observable,
    get busy() {
      return head < ready.length || streaming > 0;
    },
  };
}
