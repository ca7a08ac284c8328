import type { ResourceUse } from '../../../flows/resources.js';
import { createResourceLimiter } from '../../../streams/engine/resource-limiter.js';

/** A resource limiter that tasks wait on, in arrival order per resource set. @internal */
export interface WaitingLimiter {
  /** Whether any limit is set (else nothing needs to wait). */
  readonly limited: boolean;
  /** Why `use` can never fit here, or `undefined`. */
  impossible(use: ResourceUse): string | undefined;
  /**
   * Resolves to true once `use` is taken; tasks that need other resources are not held up by it.
   * Resolves to false if the limiter is abandoned first (the worker stops), or `signal` aborts
   * first (the task's run has ended): nothing is taken.
   */
  acquire(use: ResourceUse, signal?: AbortSignal): Promise<boolean>;
  release(use: ResourceUse): void;
  /** Gives up every waiting acquire, and every later one that cannot take its resources at once. */
  abandon(): void;
}

/**
 * Limits named resources for a worker's tasks. Waiters are woken in arrival order; one that
 * still does not fit is skipped, so a task waiting for the GPU does not hold up one that needs
 * only I/O.
 *
 * @internal
 */
export function createWaitingLimiter(limits: ResourceUse | undefined): WaitingLimiter {
  const limiter = createResourceLimiter(limits);
  let waiting: { readonly use: ResourceUse; readonly resolve: (taken: boolean) => void }[] = [];
  let abandoned = false;
  return {
    limited: limits !== undefined && Object.keys(limits).length > 0,
    impossible: (use) => limiter.impossible(use),
    acquire(use, signal) {
      if (limiter.tryAcquire(use)) return Promise.resolve(true);
      if (abandoned || signal?.aborted === true) return Promise.resolve(false);
      return new Promise((resolve) => {
        const waiter = {
          use,
          resolve: (taken: boolean) => {
            signal?.removeEventListener('abort', giveUp);
            resolve(taken);
          },
        };
        const giveUp = (): void => {
          waiting = waiting.filter((w) => w !== waiter);
          waiter.resolve(false);
        };
        signal?.addEventListener('abort', giveUp, { once: true });
        waiting.push(waiter);
      });
    },
    release(use) {
      limiter.release(use);
      for (let i = 0; i < waiting.length;) {
        const next = waiting[i]!;
        if (limiter.tryAcquire(next.use)) {
          waiting.splice(i, 1);
          next.resolve(true);
        } else i++;
      }
    },
    abandon() {
      abandoned = true;
      const given = waiting;
      waiting = [];
      for (const waiter of given) waiter.resolve(false);
    },
  };
}
