import type { ResourceUse } from '../../flows/resources.js';
import { resourceKey, type ResourceLimiter } from './resource-limiter.js';

/**
 * Items (tasks) that wait for resources, grouped by the resources they need, each group in the
 * order they came. A task that waits does not hold up tasks that need other resources, and never
 * overtakes one that needs the same. Shared by the local and thread queues. @internal
 */
export interface ResourceWaiting<T> {
  /** How many groups wait. */
  readonly groups: number;
  /**
   * Takes the item's resources if they are free and nothing that needs the same ones waits, and
   * returns true; else parks the item behind those and returns false.
   */
  admit(item: T): boolean;
  /**
   * Hands waiting items to `run`, each group while its head's resources are free and `room()`
   * says so. Items for which `live` is false are dropped without taking resources.
   */
  drain(room: () => boolean, live: (item: T) => boolean, run: (item: T) => void): void;
  clear(): void;
}

interface Group<T> {
  items: (T | undefined)[];
  head: number;
}

/** Makes an empty {@link ResourceWaiting} that counts with `limiter`. @internal */
export function createResourceWaiting<T>(
  limiter: ResourceLimiter,
  resourcesOf: (item: T) => ResourceUse | undefined,
): ResourceWaiting<T> {
  const groups = new Map<string, Group<T>>();
  return {
    get groups() {
      return groups.size;
    },
    admit(item) {
      const resources = resourcesOf(item);
      if (resources === undefined) return true;
      const key = resourceKey(resources);
      const group = groups.get(key);
      if (group === undefined) {
        if (limiter.tryAcquire(resources)) return true;
        groups.set(key, { items: [item], head: 0 });
      } else group.items.push(item);
      return false;
    },
    drain(room, live, run) {
      for (const [key, group] of groups) {
        while (group.head < group.items.length && room()) {
          const item = group.items[group.head]!;
          const alive = live(item);
          if (alive && !limiter.tryAcquire(resourcesOf(item))) break;
          group.items[group.head++] = undefined;
          if (alive) run(item);
        }
        if (group.head === group.items.length) groups.delete(key);
        else if (group.head > 4096 && group.head * 2 > group.items.length) {
          group.items = group.items.slice(group.head);
          group.head = 0;
        }
      }
    },
    clear() {
      groups.clear();
    },
  };
}
