import type { Observable } from 'rxjs';
import { startGenerator } from './flow-emissions.js';
import { createHotStream } from './hot-stream.js';
import type { FlowNode } from './nodes.js';

/** One value a flow yielded (or its observable source emitted), as it travels down the pipeline. @internal */
export interface FlowYield {
  readonly flow: FlowNode;
  readonly value: unknown;
}

/** What the stepper needs from the pipeline around it. @internal */
export interface FlowStepperConfig {
  /** Yields per turn: a flow that has yielded this many steps aside for the next ready one. */
  readonly maxBatchLen: number;
  /** Backpressure: whether flows may yield more now (the sink has room). */
  readonly hasRoom: () => boolean;
  /** A flow's generator returned. */
  readonly returned: (flow: FlowNode, value: unknown) => void;
  /** A flow's generator threw (or could not start). */
  readonly threw: (flow: FlowNode, error: unknown) => void;
}

/**
 * The ready queue: the flows that may go on, stepped on demand in turns. @internal
 */
export interface FlowStepper {
  /** What the ready flows yield, in order (hot: subscribe before the first {@link FlowStepper.pump}). */
  readonly yields: Observable<FlowYield>;
  /** After each round of turns: nothing more can be stepped now (the sink flushes here). */
  readonly idle: Observable<void>;
  /** After a pump: the pipeline is at rest until a completion, a retry or a source moves it. */
  readonly quiet: Observable<void>;
  /** A flow may go on (its `pendingError`, if set, is thrown into it). */
  makeReady(flow: FlowNode): void;
  /** Steps ready flows while the sink has room. Re-entrant calls make the running pump go round again. */
  pump(): void;
  /** Whether a ready flow waits for its turn (or for room). */
  readonly hasReady: boolean;
  /** No more stepping; the streams complete. */
  stop(): void;
}

/**
 * Makes the ready queue of one execution. A pump gives each ready flow a turn of at most
 * `maxBatchLen` yields, so that a root yielding 10^6 tasks does not starve its subflows; a flow
 * whose turn is over goes to the back, one stopped by backpressure to the front. Each yield is
 * emitted on {@link FlowStepper.yields} and handled downstream before the generator is stepped
 * again (everything is synchronous), so a yield that makes the flow wait ends its turn.
 *
 * @internal
 */
export function createFlowStepper(config: FlowStepperConfig): FlowStepper {
  const { maxBatchLen, hasRoom, returned, threw } = config;
  const yields = createHotStream<FlowYield>();
  const idle = createHotStream<void>();
  const quiet = createHotStream<void>();
  const ready: FlowNode[] = [];
  let head = 0;
  let pumping = false;
  let again = false;
  let stopped = false;

  /** Advances a flow until it waits, finishes, runs out of room or of its turn. */
  function step(flow: FlowNode): void {
    let turn = maxBatchLen;
    while (flow.state === 'ready' && !stopped) {
      if (!hasRoom()) {
        ready[--head] = flow; // first to go on once room frees
        return;
      }
      if (turn-- === 0) {
        ready.push(flow); // its turn is over: others get theirs, then it goes on
        return;
      }
      let result: IteratorResult<unknown, unknown>;
      try {
        const generator = (flow.generator ??= startGenerator(flow.flow));
        const error = flow.pendingError;
        flow.pendingError = undefined;
        result = error === undefined ? generator.next(undefined) : generator.throw(error);
      } catch (error) {
        threw(flow, error);
        return;
      }
      if (result.done) returned(flow, result.value);
      else yields.next({ flow, value: result.value });
    }
  }

  return {
    yields: yields.observable,
    idle: idle.observable,
    quiet: quiet.observable,
    makeReady(flow) {
      flow.state = 'ready';
      ready.push(flow);
    },
    pump() {
      if (pumping) {
        again = true;
        return;
      }
      pumping = true;
      try {
        do {
          again = false;
          while (!stopped && head < ready.length && hasRoom()) {
            const flow = ready[head++]!;
            if (flow.state === 'ready') step(flow);
            if (head > 1024 && head * 2 > ready.length) {
              ready.splice(0, head);
              head = 0;
            }
          }
          if (!stopped) idle.next();
        } while (again && !stopped);
      } finally {
        pumping = false;
      }
      if (!stopped) quiet.next();
    },
    get hasReady() {
      return head < ready.length;
    },
    stop() {
      stopped = true;
      yields.complete();
      idle.complete();
      quiet.complete();
    },
  };
}
