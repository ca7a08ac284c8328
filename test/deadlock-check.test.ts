import { describe, expect, it } from 'vitest';
import { MazepaError, flowSchema } from 'mazepa';
import { createDeadlockCheck } from '../src/streams/engine/deadlock-check.js';
import { createFlowNode, type FlowNode } from '../src/streams/engine/nodes.js';

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
  const check = createDeadlockCheck({
    executionId: 'e1',
    root,
    flows,
    gate: {
      failAwaited: () => {
        const had = awaited;
        awaited = false;
        return had;
      },
    },
    busy: () => options.busy ?? false,
    fail: (flow, error) => failed.push([flow, error]),
    moved: () => moved++,
  });
  return { root, a, b, check, failed, moved: () => moved };
}

describe('createDeadlockCheck', () => {
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
