import { Observable, type OperatorFunction } from 'rxjs';
import { MazepaError } from '../../flows/errors.js';
import type { ExecutionGraph, Readied } from './graph/execution-graph.js';

/** What the deadlock check looks at. @internal */
export interface DeadlockCheckConfig {
  readonly executionId: string;
  readonly graph: Pick<
    ExecutionGraph,
    'root' | 'flows' | 'tasksInFlight' | 'failAwaited' | 'takeReadied' | 'flowFailed'
  >;
  /** Whether a flow can go on without a completion (a ready one, a source emitting): the flow driver's `busy`. */
  readonly busy: () => boolean;
}

/**
 * The deadlock check, an operator on the flow driver's `quiet` signal (the pipeline came to
 * rest): if nothing can move (no flow can go on, no task is in flight) and the root is not done,
 * the flows that wait on ids nobody yielded get a "never yielded" error, and it emits them, to
 * be resumed (they may catch it, so the pipeline moves again); if there are none, the flows wait
 * on each other, and the root fails with an error that names (up to five of) them.
 *
 * @internal
 */
export function deadlockCheck(config: DeadlockCheckConfig): OperatorFunction<void, Readied> {
  const { executionId, graph, busy } = config;
  return (quiet) =>
    new Observable<Readied>((subscriber) =>
      quiet.subscribe(() => {
        const root = graph.root;
        if (root.state === 'done' || busy() || graph.tasksInFlight > 0) return;
        if (graph.failAwaited()) return subscriber.next(graph.takeReadied());
        const stuck = [...graph.flows()].filter((f) => f.state === 'waiting' || f.state === 'finishing');
        const lines = stuck.slice(0, 5).map((f) => {
          const on =
            f.waitingOn === undefined ? `${f.pendingChildren} children` : [...f.waitingOn].map((n) => n.id).join(', ');
          return `'${f.flow.name}' (${f.id}) waits on ${on}`;
        });
        graph.flowFailed(
          root,
          new MazepaError(`Execution ${executionId} cannot go on: flows wait on each other. ${lines.join('; ')}`, {
            flowId: root.id,
          }),
        );
      }),
    );
}
