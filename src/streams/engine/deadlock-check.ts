import { MazepaError } from '../../flows/errors.js';
import type { Gate } from './gate.js';
import type { FlowNode } from './nodes.js';

/** What the deadlock check looks at. @internal */
export interface DeadlockCheckConfig {
  readonly executionId: string;
  readonly root: FlowNode;
  readonly flows: ReadonlyMap<string, FlowNode>;
  readonly gate: Pick<Gate, 'failAwaited'>;
  /** Whether anything can still move: a ready flow, a task in flight, a source emitting, a retry waiting. */
  readonly busy: () => boolean;
  readonly fail: (flow: FlowNode, error: Error) => void;
  /** Waiters got an error (their ids were never yielded) and may go on: pump. */
  readonly moved: () => void;
}

/**
 * Makes the check that runs whenever the pipeline comes to rest: if nothing can move and the
 * root is not done, the flows that wait on ids nobody yielded get a "never yielded" error (which
 * they may catch, so the pipeline moves again); if there are none, the flows wait on each other,
 * and the root fails with an error that names (up to five of) them.
 *
 * @internal
 */
export function createDeadlockCheck(config: DeadlockCheckConfig): () => void {
  const { executionId, root, flows, gate, busy, fail, moved } = config;
  return () => {
    if (root.state === 'done' || busy()) return;
    if (gate.failAwaited()) return moved();
    const stuck = [...flows.values()].filter((f) => f.state === 'waiting' || f.state === 'finishing');
    const lines = stuck.slice(0, 5).map((f) => {
      const on =
        f.waitingOn === undefined ? `${f.pendingChildren} children` : [...f.waitingOn].map((n) => n.id).join(', ');
      return `'${f.flow.name}' (${f.id}) waits on ${on}`;
    });
    fail(
      root,
      new MazepaError(`Execution ${executionId} cannot go on: flows wait on each other. ${lines.join('; ')}`, {
        flowId: root.id,
      }),
    );
  };
}
