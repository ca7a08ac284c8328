import { describe, expect, it } from 'vitest';
import { createResourceLimiter } from '../src/streams/engine/resource-limiter.js';
import { createResourceWaiting } from '../src/streams/engine/resource-waiting.js';

interface Item {
  readonly name: string;
  readonly resources?: Record<string, number>;
  readonly live?: boolean;
}

function setup(limits: Record<string, number>) {
  const limiter = createResourceLimiter(limits);
  const waiting = createResourceWaiting<Item>(limiter, (item) => item.resources);
  const ran: string[] = [];
  const drain = (room = () => true) =>
    waiting.drain(
      room,
      (item) => item.live !== false,
      (item) => ran.push(item.name),
    );
  return { limiter, waiting, ran, drain };
}

describe('resource waiting groups (shared by the local and thread queues)', () => {
  it('admits while resources are free, then parks tasks that need the same behind each other', () => {
    const { limiter, waiting } = setup({ gpu: 1 });
    expect(waiting.admit({ name: 'a', resources: { gpu: 1 } })).toBe(true);
    expect(waiting.admit({ name: 'b', resources: { gpu: 1 } })).toBe(false);
    limiter.release({ gpu: 1 });
    // gpu is free again, but b waits for it: c must not overtake b
    expect(waiting.admit({ name: 'c', resources: { gpu: 1 } })).toBe(false);
    expect(waiting.admit({ name: 'd' })).toBe(true);
    expect(waiting.groups).toBe(1);
  });

  it('drains each group in order while its head fits, without holding up other groups', () => {
    const { limiter, waiting, ran, drain } = setup({ gpu: 1, disk: 2 });
    waiting.admit({ name: 'g0', resources: { gpu: 1 } });
    waiting.admit({ name: 'g1', resources: { gpu: 1 } });
    waiting.admit({ name: 'd0', resources: { disk: 2 } });
    waiting.admit({ name: 'd1', resources: { disk: 2 } });
    limiter.release({ disk: 2 });
    drain();
    expect(ran).toEqual(['d1']);
    limiter.release({ gpu: 1 });
    drain();
    expect(ran).toEqual(['d1', 'g1']);
    expect(waiting.groups).toBe(0);
  });

  it('drops dead items without taking resources, and stops when there is no room', () => {
    const { limiter, waiting, ran, drain } = setup({ gpu: 2 });
    waiting.admit({ name: 'a', resources: { gpu: 2 } });
    waiting.admit({ name: 'dead', resources: { gpu: 2 }, live: false });
    waiting.admit({ name: 'b', resources: { gpu: 1 } });
    waiting.admit({ name: 'c', resources: { gpu: 1 } });
    limiter.release({ gpu: 2 });
    drain(() => ran.length < 1);
    expect(ran).toEqual(['b']);
    drain();
    expect(ran).toEqual(['b', 'c']);
    waiting.clear();
    expect(waiting.groups).toBe(0);
  });
});
