import type { ResourceUse } from '../../flows/resources.js';

/** Counts the named resources in use against their limits. @internal */
export interface ResourceLimiter {
  /** Takes what `use` needs if all of it is free now; returns whether it did. */
  tryAcquire(use: ResourceUse | undefined): boolean;
  /** Gives back what {@link ResourceLimiter.tryAcquire} took. */
  release(use: ResourceUse | undefined): void;
  /** Why `use` can never be satisfied here (more than a limit), or `undefined`. */
  impossible(use: ResourceUse | undefined): string | undefined;
}

/**
 * A limiter for `limits` (units of each named resource in use at once). Resources without a
 * limit are not counted. Used by the local queue; workers can use it the same way.
 *
 * @internal
 */
export function createResourceLimiter(limits: ResourceUse | undefined): ResourceLimiter {
  const inUse = new Map<string, number>();
  const limited = (use: ResourceUse | undefined): [string, number][] =>
    use === undefined || limits === undefined ? [] : Object.entries(use).filter(([name]) => limits[name] !== undefined);
  return {
    tryAcquire(use) {
      const needs = limited(use);
      for (const [name, amount] of needs) if ((inUse.get(name) ?? 0) + amount > limits![name]!) return false;
      for (const [name, amount] of needs) inUse.set(name, (inUse.get(name) ?? 0) + amount);
      return true;
    },
    release(use) {
      for (const [name, amount] of limited(use)) inUse.set(name, (inUse.get(name) ?? 0) - amount);
    },
    impossible(use) {
      for (const [name, amount] of limited(use)) {
        if (amount > limits![name]!) return `it needs ${amount} ${name}, over the limit of ${limits![name]}`;
      }
      return undefined;
    },
  };
}

/** A key that groups tasks needing the same resources. @internal */
export function resourceKey(use: ResourceUse | undefined): string {
  if (use === undefined) return '';
  return Object.keys(use)
    .sort()
    .map((name) => `${name}=${use[name]}`)
    .join(',');
}
