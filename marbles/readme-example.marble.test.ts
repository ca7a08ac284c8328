// The marble example of the README, kept here so that it runs: a user's own flow, tested in
// virtual time with the MarbleExecutionQueue of mazepa/testing.
import { filter, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { expect, it } from 'vitest';
import { Dependency, execution, flowSchema, taskableOperation, type Task } from 'mazepa';
import { MarbleExecutionQueue, isTaskOf } from 'mazepa/testing';

const fetchChunk = taskableOperation(function fetchChunk(_i: number) {});
const merge = taskableOperation(function merge() {});

const pipeline = flowSchema(function* pipeline() {
  yield [fetchChunk.makeTask(0), fetchChunk.makeTask(1)];
  yield new Dependency(); // wait for both chunks
  yield merge.makeTask();
});

it('should start the merge in the frame the slower chunk is done', () => {
  new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(({ cold, expectObservable }) => {
    // chunk 0 takes 3 ms, chunk 1 takes 5 ms, merge 2 ms (isTaskOf types task.args as [i: number]).
    const timing = (task: Task) => (isTaskOf(fetchChunk, task) ? (task.args[0] === 0 ? '3ms x|' : '5ms x|') : '2ms x|');
    const queue = new MarbleExecutionQueue({ work: (task) => cold(timing(task)) });
    // Ids are deterministic, so the tasks the flow makes can be named from outside.
    const names = { [fetchChunk.makeTask(0).id]: 'a', [fetchChunk.makeTask(1).id]: 'b', [merge.makeTask().id]: 'm' };
    const done = execution(pipeline(), { queue, showProgress: false }).pipe(
      filter((event) => event.type === 'task_succeeded'),
      map((event) => names[event.taskId]),
    );
    expectObservable(done).toBe('3ms a 1ms b 1ms (m|)');
  });
});
