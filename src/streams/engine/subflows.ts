import type { Observable } from 'rxjs';
import type { Flow } from '../../flows/flow.js';
import type { FlowYield } from './flow-stepper.js';
import { toError, type Gate } from './gate.js';
import { createHotStream } from './hot-stream.js';
import { addOwner, createFlowNode, type FlowNode } from './nodes.js';

/** What starting subflows needs from the pipeline around it. @internal */
export interface SubflowsConfig {
  /** Every flow of the execution by id (shared bookkeeping). */
  readonly flows: Map<string, FlowNode>;
  readonly gate: Pick<Gate, 'adopt' | 'waitForAll'>;
  /** A generator flow goes to the ready queue. */
  readonly makeReady: (flow: FlowNode) => void;
  readonly fail: (flow: FlowNode, error: Error) => void;
  /** Something moved outside a pump (a source emitted, completed or failed): pump. */
  readonly moved: () => void;
}

/** Starts subflows and merges what observable flows emit into the yields. @internal */
export interface Subflows {
  /** A flow yielded `flow`: it starts (or, known already, counts `owner` as one more owner). */
  start(owner: FlowNode, flow: Flow<unknown>): void;
  /** A new flow node goes: to the ready queue, or (an `observableFlow`) its source is subscribed. */
  launch(node: FlowNode): void;
  /** What the sources of observable flows emit, as yields of their flow. */
  readonly yields: Observable<FlowYield>;
  /** Observable flows whose source is still emitting. */
  readonly streaming: number;
  /** A flow ends early: its source, if still emitting, is unsubscribed. */
  stop(node: FlowNode): void;
}

/**
 * Makes the subflow starter of one execution. A generator flow is stepped by the ready queue;
 * an `observableFlow`'s source is subscribed at once and each of its values joins the yields of
 * the execution as if its flow had yielded it; it ends (its children done) when the source
 * completes, and fails when the source errors or emits something that is not a task or flow.
 *
 * @internal
 */
export function createSubflows(config: SubflowsConfig): Subflows {
  const { flows, gate, makeReady, fail, moved } = config;
  const yields = createHotStream<FlowYield>();
  let streaming = 0;

  function launch(node: FlowNode): void {
    const source = node.flow.source;
    if (source === undefined) return makeReady(node);
    node.state = 'streaming';
    streaming++;
    const end = (): void => {
      streaming--;
      node.state = 'finishing';
    };
    node.source = source.subscribe({
      next: (value) => {
        if (node.state !== 'streaming') return;
        yields.next({ flow: node, value });
        const error = node.pendingError;
        if (error !== undefined) {
          node.pendingError = undefined;
          end();
          fail(node, error);
        }
        moved();
      },
      error: (error: unknown) => {
        if (node.state !== 'streaming') return;
        end();
        fail(node, toError(error));
        moved();
      },
      complete: () => {
        if (node.state !== 'streaming') return;
        end();
        gate.waitForAll(node, 'finishing');
        moved();
      },
    });
  }

  return {
    launch,
    start(owner, flow) {
      const existing = flows.get(flow.id);
      if (existing !== undefined) {
        if (existing.state !== 'done') addOwner(existing, owner);
        return;
      }
      const node = createFlowNode(flow, owner);
      flows.set(flow.id, node);
      gate.adopt(flow.id, node);
      owner.pendingChildren++;
      flow.status = 'running';
      launch(node);
    },
    yields: yields.observable,
    get streaming() {
      return streaming;
    },
    stop(node) {
      if (node.state === 'streaming') streaming--;
      node.source?.unsubscribe();
      node.source = undefined;
    },
  };
}
