import { Observable, type Subscriber } from 'rxjs';

/**
 * A hot stream for the engine's hot paths (a value per yield, a signal per pump): a Subject
 * without the allocations that rxjs's Node build makes on every `Subject.next` (a closure, an
 * iterator and its results), which at 10^6 tasks are felt in the garbage collector. Synchronous;
 * each value reaches the subscribers in the order they subscribed. @internal
 */
export interface HotStream<T> {
  readonly observable: Observable<T>;
  next(value: T): void;
  /** Completes the subscribers; later ones complete at once. */
  complete(): void;
}

/** Makes a hot stream. @internal */
export function createHotStream<T>(): HotStream<T> {
  // Copied on write, so that a subscriber leaving during `next` does not disturb the loop.
  let subscribers: readonly Subscriber<T>[] = [];
  let completed = false;
  return {
    observable: new Observable<T>((subscriber) => {
      if (completed) return subscriber.complete();
      subscribers = [...subscribers, subscriber];
      return () => {
        subscribers = subscribers.filter((s) => s !== subscriber);
      };
    }),
    next(value) {
      const current = subscribers;
      for (let i = 0; i < current.length; i++) current[i]!.next(value);
    },
    complete() {
      completed = true;
      const current = subscribers;
      subscribers = [];
      for (const subscriber of current) subscriber.complete();
    },
  };
}
