import { describe, expect, it } from 'vitest';
import { Dependency, execution, flowSchema } from 'mazepa';
import { MarbleExecutionQueue } from 'mazepa/testing';
import { createTestScheduler, step, typeLetters } from './helpers.js';

const quiet = { showProgress: false } as const;

describe('cancellation (marbles)', () => {
  it('should tear down running work and close flows when the execution is unsubscribed', () => {
    let cleanedUp = false;
    createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const w1 = cold('10ms x|');
      const w2 = cold('10ms x|');
      const queue = new MarbleExecutionQueue({ work: (task) => (task.args[0] === 'c1' ? w1 : w2) });
      const root = flowSchema(function* cancelled() {
        try {
          yield [step.makeTask('c1'), step.makeTask('c2')];
          yield new Dependency();
        } finally {
          cleanedUp = true;
        }
      });
      expectObservable(execution(root(), { ...quiet, queue }).pipe(typeLetters), '^----!').toBe('(xss)');
      expectSubscriptions(w1.subscriptions).toBe('^----!');
      expectSubscriptions(w2.subscriptions).toBe('^----!');
    });
    // The flow's generator was closed at the unsubscription, so its finally block ran.
    expect(cleanedUp).toBe(true);
  });

  it('should fail at once and tear down when the signal aborts', () => {
    createTestScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const work = cold('10ms x|');
      const queue = new MarbleExecutionQueue({ work: () => work });
      const controller = new AbortController();
      hot('-----a').subscribe(() => controller.abort(new Error('stop')));
      const events = execution(step.makeTask('aborted'), { ...quiet, queue, signal: controller.signal });
      expectObservable(events.pipe(typeLetters)).toBe(
        '(xs)-#',
        undefined,
        expect.objectContaining({ message: expect.stringContaining('was cancelled') }),
      );
      expectSubscriptions(work.subscriptions).toBe('^----!');
    });
  });
});
