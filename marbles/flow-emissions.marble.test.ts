// The README example of flowEmissions and observableFlow, kept here so that it runs: a flow's
// emissions inspected and transformed with RxJS, and fed back into a run.
import { count, filter, map, take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Dependency, Task, execution, flowEmissions, flowSchema, observableFlow, taskableOperation } from 'mazepa';
import { MarbleExecutionQueue } from 'mazepa/testing';
import { createTestScheduler } from './helpers.js';

const render = taskableOperation(function renderTile(_tile: number) {});
const tiles = flowSchema(function* tiles(n: number) {
  for (let tile = 0; tile < n; tile++) yield render.makeTask(tile);
  yield new Dependency();
});

describe('a flow as an Observable (README)', () => {
  it('should emit what the generator yields, in order, without running anything', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const kinds = flowEmissions(tiles(3)).pipe(map((e) => (e instanceof Task ? `t${String(e.args[0])}` : 'dep')));
      expectObservable(kinds).toBe('(abcd|)', { a: 't0', b: 't1', c: 't2', d: 'dep' });
      expectObservable(
        flowEmissions(tiles(1000)).pipe(
          filter((e) => e instanceof Task),
          count(),
        ),
      ).toBe('(n|)', {
        n: 1000,
      });
    });
  });

  it('should feed transformed emissions to a run through observableFlow', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      // Only the even tiles, as a flow of its own.
      const evens = observableFlow(
        flowEmissions(tiles(6)).pipe(filter((e): e is Task => e instanceof Task && Number(e.args[0]) % 2 === 0)),
      );
      const queue = new MarbleExecutionQueue({ work: () => cold('2ms x|') });
      const done = execution(evens, { queue, showProgress: false }).pipe(
        filter((event) => event.type === 'task_succeeded'),
        map((event) => event.taskId),
      );
      const id = (tile: number) => render.makeTask(tile).id;
      expectObservable(done).toBe('2ms (ace|)', { a: id(0), c: id(2), e: id(4) });
    });
  });

  it('should close the generator when unsubscribed (its finally runs)', () => {
    let closed = false;
    const endless = flowSchema(function* endless() {
      try {
        for (let i = 0; ; i++) yield render.makeTask(i);
      } finally {
        closed = true;
      }
    });
    createTestScheduler().run(({ expectObservable }) => {
      const first = flowEmissions(endless()).pipe(
        take(3),
        map((e) => (e as Task).args[0]),
      );
      expectObservable(first).toBe('(abc|)', { a: 0, b: 1, c: 2 });
    });
    expect(closed).toBe(true);
  });
});
