import { describe, expect, it } from 'vitest';
import { createHotStream } from '../src/streams/engine/hot-stream.js';
import { createTestScheduler } from './helpers.js';

describe('the hot stream (a Subject for the hot paths)', () => {
  it('sends each value to the subscribers of the moment, in order, and completes late subscribers at once', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const stream = createHotStream<string>();
      for (const [frame, value] of [
        [1, 'a'],
        [3, 'b'],
        [5, 'c'],
      ] as const) {
        scheduler.schedule(() => stream.next(value), frame);
      }
      scheduler.schedule(() => stream.complete(), 7);
      expectObservable(stream.observable).toBe('-a-b-c-|');
      expectObservable(stream.observable, '--^-!').toBe('---b-');
      expectObservable(stream.observable, '---------^').toBe('---------|');
    });
  });

  it('lets a subscriber leave while a value is being sent, without skipping the others', () => {
    const stream = createHotStream<number>();
    const heard: string[] = [];
    const first = stream.observable.subscribe((n) => {
      heard.push(`first ${n}`);
      first.unsubscribe();
    });
    stream.observable.subscribe((n) => heard.push(`second ${n}`));
    stream.next(1);
    stream.next(2);
    expect(heard).toEqual(['first 1', 'second 1', 'second 2']);
  });
});
