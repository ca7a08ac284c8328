import { describe, expect, it } from 'vitest';
import { MazepaError, flowSchema } from 'mazepa';
import { Subject } from 'rxjs';
import { deadlockCheck } from '../src/streams/engine/deadlock-check.js';
import { NONE } from '../src/streams/engine/graph/execution-graph.js';
import { createFlowNode, type FlowNode } from '../src/streams/engine/graph/nodes.js';

const named = flowSchema(function* stuck(_name: string) {});

/** A check over a root and two flows waiting on each other. */
function setup(options: { busy?: boolean; awaited?: boolean } = {}) {
  const root = createFlowNode(named('root'), undefined);
  const [a, b] = [createFlowNode(named('a'), root), createFlowNode(named('b'), root)];
  a.state = 'waiting';
  a.waitingOn = new Set([b]);
  b.state = 'waiting';
  b.waitingOn = new Set([a]);
  root.state = 'finishing';
  root.pendingChildren = 2;
  const flows = new Map<string, FlowNode>([root, a, b].map((f) => [f.id, f]));
  const failed: [FlowNode, Error][] = [];
  let moved = 0;
  let awaited = options.awaited ?? false;
  const quiet = new Subject<void>();
  quiet
    .pipe(
      deadlockCheck({
        executionId: 'e1',
        graph: {
          root,
          flows: () => flows.values(),
          tasksInFlight: 0,
          failAwaited: () => {
            const had = awaited;
            awaited = false;
            return had;
          },
          takeReadied: () => NONE,
          flowFailed: (flow, error) => void failed.push([flow, error as Error]),
        },
        busy: () => options.busy ?? false,
      }),
    )
    .subscribe(() => moved++);
  const check = (): void => quiet.next();
  return { root, a, b, check, failed, moved: () => moved };
}

describe('deadlockCheck', () => {
  it('should do nothing while something can still move', () => {
    const { check, failed, moved } = setup({ busy: true });
    check();
    expect(failed).toEqual([]);
    expect(moved()).toBe(0);
  });

  it('should first give the flows waiting on ids nobody yielded their error, and let them go on', () => {
    const { check, failed, moved } = setup({ awaited: true });
    check();
    expect(failed).toEqual([]);
    expect(moved()).toBe(1);
  });

  it('should fail the root with an error naming the flows that wait on each other', () => {
    const { root, a, b, check, failed } = setup();
    check();
    expect(failed).toHaveLength(1);
    const [flow, error] = failed[0]!;
    expect(flow).toBe(root);
    expect(error).toBeInstanceOf(MazepaError);
    expect(error.message).toBe(
      'Execution e1 cannot go on: flows wait on each other. ' +
        `'stuck' (${root.id}) waits on 2 children; 'stuck' (${a.id}) waits on ${b.id}; 'stuck' (${b.id}) waits on ${a.id}`,
    );
  });
});
