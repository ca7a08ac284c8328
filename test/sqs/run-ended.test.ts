// How a worker learns that a run has ended and stops starting its tasks: the reply gate, what it
// knows of outcome queues, and the waits (slot, resource) a task of an ended run leaves at once.
import { describe, expect, it } from 'vitest';
import { ReplyGate } from '../../src/adapters/sqs/worker/reply-gate.js';
import { OutcomeQueues } from '../../src/adapters/sqs/worker/outcome-queues.js';
import { createWaitingLimiter } from '../../src/adapters/sqs/worker/waiting-limiter.js';
import { WorkerSlots } from '../../src/adapters/sqs/worker/worker-slots.js';
import { slotOrGone, takeResources } from '../../src/adapters/sqs/worker/run-ended.js';
import { stubClient } from './stub-client.js';

const Q = 'http://127.0.0.1:1/000000000000/tasks-out-e-abcdef';
const OTHER = 'http://127.0.0.1:1/000000000000/tasks-out-f-abcdef';

/** Lets the promises settled so far run their callbacks. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ReplyGate', () => {
  it('should let two tasks per slot start ahead of their outcomes, then flush and wait for one', async () => {
    const flushed: string[] = [];
    const gone = new Set<string>();
    const gate = new ReplyGate({ concurrency: 1, flush: (url) => flushed.push(url), isGone: (url) => gone.has(url) });
    expect(await gate.enter(Q)).toBe(true);
    expect(await gate.enter(Q)).toBe(true);
    expect(await gate.enter(OTHER)).toBe(true); // another run has its own room
    let third: boolean | undefined;
    void gate.enter(Q).then((entered) => (third = entered));
    await settle();
    expect(third).toBeUndefined();
    expect(flushed).toEqual([Q]);
    gate.leave(Q);
    await settle();
    expect(third).toBe(true);
  });

  it('should let tasks start freely while outcomes keep arriving, and hold them once they stop', async () => {
    let now = 0;
    const flushed: string[] = [];
    const gate = new ReplyGate({
      concurrency: 1,
      flush: (url) => flushed.push(url),
      isGone: () => false,
      freshMs: 250,
      now: () => now,
    });
    for (let i = 0; i < 2; i++) expect(await gate.enter(Q)).toBe(true);
    gate.leave(Q, true); // an outcome arrived at 0: one open, and fresh
    for (let i = 0; i < 3; i++) expect(await gate.enter(Q)).toBe(true);
    expect(flushed).toEqual([]);
    now = 250; // nothing arrived since: four open, two allowed
    let next: boolean | undefined;
    void gate.enter(Q).then((entered) => (next = entered));
    await settle();
    expect(next).toBeUndefined();
    expect(flushed).toEqual([Q]);
    gate.leave(Q, true);
    await settle();
    expect(next).toBe(true); // fresh again
  });

  it('should send the outcomes on their way at once for a task that waits for the next answer', async () => {
    const flushed: string[] = [];
    const gate = new ReplyGate({ concurrency: 4, flush: (url) => flushed.push(url), isGone: () => false });
    await gate.nextAnswer(Q); // nothing on its way: at once
    expect(flushed).toEqual([]);
    await gate.enter(Q);
    gate.sending(Q);
    let answered = false;
    void gate.nextAnswer(Q).then(() => (answered = true));
    expect(flushed).toEqual([Q]);
    gate.leave(OTHER, true, false);
    await settle();
    expect(answered).toBe(false);
    gate.leave(Q, true, true);
    await settle();
    expect(answered).toBe(true);
  });

  it('should refuse a task, and wake the waiting ones with a refusal, once its queue is gone', async () => {
    const gone = new Set<string>();
    const gate = new ReplyGate({ concurrency: 1, flush: () => undefined, isGone: (url) => gone.has(url) });
    await gate.enter(Q);
    await gate.enter(Q);
    const waiting = [gate.enter(Q), gate.enter(Q)];
    gone.add(Q); // the refused reply marks it gone, then leaves the gate
    gate.leave(Q);
    expect(await Promise.all(waiting)).toEqual([false, false]);
    expect(await gate.enter(Q)).toBe(false);
  });
});

describe('OutcomeQueues', () => {
  it('should trust a queue heard of for existsForMs, then ask again; a gone one stays gone', async () => {
    let now = 0;
    let missing = false;
    const { client, sent } = stubClient(() => {
      if (missing) throw Object.assign(new Error('gone'), { name: 'AWS.SimpleQueueService.NonExistentQueue' });
      return {};
    });
    const queues = new OutcomeQueues(client, { existsForMs: 1000, now: () => now });
    expect(await queues.exists(Q)).toBe(true);
    now = 900;
    expect(await queues.exists(Q)).toBe(true);
    expect(sent).toHaveLength(1);
    queues.markExists(Q); // a reply went through at 900
    now = 1800;
    expect(await queues.exists(Q)).toBe(true);
    expect(sent).toHaveLength(1);
    missing = true;
    now = 3000;
    expect(await queues.exists(Q)).toBe(false);
    expect(sent).toHaveLength(2);
    queues.markExists(Q); // a late reply's success does not bring it back
    expect(queues.isGone(Q)).toBe(true);
    expect(queues.isGone(OTHER)).toBe(false);
  });

  it('should tell the watchers of a queue once it is marked gone, and no one else', () => {
    const queues = new OutcomeQueues(stubClient(() => ({})).client);
    const told: string[] = [];
    queues.watch(Q, () => told.push('q'));
    const unwatch = queues.watch(Q, () => told.push('unwatched'));
    queues.watch(OTHER, () => told.push('other'));
    unwatch();
    queues.markGone(Q);
    queues.markGone(Q);
    expect(told).toEqual(['q']);
    queues.watch(Q, () => told.push('late')); // known gone: told at once
    expect(told).toEqual(['q', 'late']);
  });
});

describe('the waits of a task', () => {
  it('should give up a resource wait when its signal aborts, taking nothing', async () => {
    const limiter = createWaitingLimiter({ gpu: 1 });
    expect(await limiter.acquire({ gpu: 1 })).toBe(true);
    const ended = new AbortController();
    const waiting = limiter.acquire({ gpu: 1 }, ended.signal);
    const next = limiter.acquire({ gpu: 1 });
    ended.abort();
    expect(await waiting).toBe(false);
    limiter.release({ gpu: 1 });
    expect(await next).toBe(true); // the one given up did not take the GPU
  });

  it('should take a task back from the line for a slot, and no other', async () => {
    const slots = new WorkerSlots(1, undefined, () => undefined);
    expect(slots.enter('a')).toBe(true);
    const b = slots.enter('b');
    const c = slots.enter('c');
    expect(slots.withdraw('b')).toBe(true);
    expect(slots.withdraw('a')).toBe(false); // running, not waiting
    expect(await b).toBe(false);
    slots.finished('a');
    expect(await c).toBe(true);
    expect([...slots.running]).toEqual(['c']);
  });

  it('should leave the line for a slot at once when the run of the waiting task is marked gone', async () => {
    const queues = new OutcomeQueues(stubClient(() => ({})).client);
    const slots = new WorkerSlots(1, undefined, () => undefined);
    expect(slots.enter('running')).toBe(true);
    const ours = slotOrGone(
      slots,
      queues,
      slots.enter('ours') as Promise<boolean>,
      'ours',
      JSON.stringify({ replyTo: Q }),
    );
    const theirs = slotOrGone(
      slots,
      queues,
      slots.enter('theirs') as Promise<boolean>,
      'theirs',
      JSON.stringify({ replyTo: OTHER }),
    );
    queues.markGone(Q);
    expect(await ours).toBe('gone');
    slots.finished('running');
    expect(await theirs).toBe(true); // the other run's task took the slot
  });

  it('should give up a resource wait when the run is marked gone, and not when another is', async () => {
    const queues = new OutcomeQueues(stubClient(() => ({})).client);
    const limiter = createWaitingLimiter({ gpu: 1 });
    await limiter.acquire({ gpu: 1 });
    const ours = takeResources(limiter, queues, { gpu: 1 }, Q);
    const theirs = takeResources(limiter, queues, { gpu: 1 }, OTHER);
    queues.markGone(Q);
    expect(await ours).toBe('gone');
    limiter.release({ gpu: 1 });
    expect(await theirs).toBe(true);
  });
});
