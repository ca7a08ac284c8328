/** A first-in, first-out queue with O(1) shift that does not hold on to what it gave out. @internal */
export interface Fifo<T> {
  readonly size: number;
  push(item: T): void;
  /** The item {@link Fifo.shift} would give, left in place. */
  peek(): T | undefined;
  shift(): T | undefined;
  clear(): void;
}

/** Makes an empty {@link Fifo}. @internal */
export function createFifo<T>(): Fifo<T> {
  let items: (T | undefined)[] = [];
  let head = 0;
  return {
    get size() {
      return items.length - head;
    },
    push(item) {
      items.push(item);
    },
    peek() {
      return head === items.length ? undefined : items[head];
    },
    shift() {
      if (head === items.length) return undefined;
      const item = items[head];
      items[head++] = undefined;
      if (head === items.length) {
        items = [];
        head = 0;
      } else if (head > 4096 && head * 2 > items.length) {
        items = items.slice(head);
        head = 0;
      }
      return item;
    },
    clear() {
      items = [];
      head = 0;
    },
  };
}
