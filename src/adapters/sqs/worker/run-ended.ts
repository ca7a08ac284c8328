/**
 * The waits a task goes through before it starts (for a slot, for a resource), each left at once
 * when the task's run ends meanwhile: its outcome queue is marked gone (a reply of the run was
 * refused, or SQS said so when asked). The task is then dropped, never run.
 */
import type { ResourceUse } from '../../../flows/resources.js';
import { salvageFields } from '../../remote/reply-address.js';
import type { OutcomeQueues } from './outcome-queues.js';
import type { WaitingLimiter } from './waiting-limiter.js';
import type { WorkerSlots } from './worker-slots.js';

/**
 * @internal Waits for the slot `entered` promises the task `key`, or for the outcome queue its
 * message `body` names to be marked gone: then the task leaves the line ('gone'). The address is
 * read unchecked, only to watch: what is done with the message is decided once it is taken in.
 */
export async function slotOrGone(
  slots: WorkerSlots,
  outcomeQueues: OutcomeQueues,
  entered: Promise<boolean>,
  key: string,
  body: string | undefined,
): Promise<boolean | 'gone'> {
  const url = salvageFields(body)?.replyTo;
  if (typeof url !== 'string') return entered;
  let unwatch = (): void => undefined;
  const gone = new Promise<'gone'>((resolve) => {
    unwatch = outcomeQueues.watch(url, () => resolve('gone'));
  });
  try {
    const first = await Promise.race([entered, gone]);
    // It may have taken its slot as the news came: then it goes on in its slot (and is dropped there).
    return first === 'gone' && !slots.withdraw(key) ? await entered : first;
  } finally {
    unwatch();
  }
}

/**
 * @internal Takes `use` for a task replying to `replyTo`: true once taken, false when the worker
 * stops first, 'gone' when that outcome queue is marked gone first (nothing is taken then).
 */
export async function takeResources(
  resources: WaitingLimiter,
  outcomeQueues: OutcomeQueues,
  use: ResourceUse,
  replyTo: string,
): Promise<boolean | 'gone'> {
  const gone = new AbortController();
  const unwatch = outcomeQueues.watch(replyTo, () => gone.abort());
  try {
    const taken = await resources.acquire(use, gone.signal);
    return taken || !gone.signal.aborted ? taken : 'gone';
  } finally {
    unwatch();
  }
}
