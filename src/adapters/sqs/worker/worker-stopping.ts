import { longTimeout } from './long-timeout.js';
import type { TaskDispatch } from './task-dispatch.js';
import type { TaskMessages } from './task-messages.js';
import type { WorkerSlots } from './worker-slots.js';

/**
 * @internal Stops the worker's `slots` when `signal` aborts (at once if it has) or once
 * `maxRuntimeMs` has passed; returns what takes both back (for a worker that has stopped).
 */
export function stopWhen(
  slots: WorkerSlots,
  signal: AbortSignal | undefined,
  maxRuntimeMs: number | undefined,
): () => void {
  const onAbort = (): void => slots.stop('signal');
  if (signal?.aborted === true) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const limit = maxRuntimeMs === undefined ? undefined : longTimeout(() => slots.stop('maxRuntime'), maxRuntimeMs);
  return () => {
    limit?.clear();
    signal?.removeEventListener('abort', onAbort);
  };
}

/**
 * @internal What a worker whose receives have ended waits for before it says it stopped: its
 * running tasks, the handling of every message it took (outcomes sent, messages deleted or
 * handed back), then the outcomes and deletes still gathered for a batch.
 */
export async function drain(slots: WorkerSlots, dispatch: TaskDispatch, messages: TaskMessages): Promise<void> {
  await slots.drained();
  await dispatch.handled();
  await messages.drain();
}
