import { describe, expect, it } from 'vitest';
import { LocalExecutionQueue, Task, execute, execution, taskableOperation } from 'mazepa';

const op = taskableOperation(function optionsOp() {});

describe('ExecuteOptions', () => {
  it.each([
    [{ maxBatchLen: 0 }, "option 'maxBatchLen' must be a whole number >= 1, received 0"],
    [{ maxBatchLen: 2.5 }, "option 'maxBatchLen' must be a whole number >= 1, received 2.5"],
    [{ maxInFlight: -1 }, "option 'maxInFlight' must be a whole number >= 1, received -1"],
    [{ raiseOnFailedTask: 'yes' }, 'option \'raiseOnFailedTask\' must be true or false, received "yes"'],
    [{ executionId: 'has space' }, "option 'executionId' must be letters, digits, - and _"],
    [
      { checkpointIntervalMs: 0 },
      "option 'checkpointIntervalMs' must be a number > 0 and at most 2147483647 (about 24.8 days), received 0",
    ],
    [{ queue: { name: 'half' } }, "option 'queue' must be an ExecutionQueue"],
    [{ scheduler: {} }, "option 'scheduler' must be an RxJS SchedulerLike"],
    [{ signal: 'stop' }, "option 'signal' must be an AbortSignal"],
    [{ dashboard: 'yes' }, "option 'dashboard' must be true, false or { port, host }"],
    [{ dashboard: { port: 70000 } }, "option 'dashboard.port' must be a whole number from 0 to 65535, received 70000"],
    [{ dashboard: { prot: 1 } }, "option 'dashboard' must be true, false or { port, host }"],
  ])('should reject %o with a TypeError naming the option', async (options, message) => {
    await expect(execute(op.makeTask(), options as never)).rejects.toThrow(TypeError);
    await expect(execute(op.makeTask(), options as never)).rejects.toThrow(message);
    expect(() => execution(op.makeTask(), options as never)).toThrow(message);
  });

  it('should reject a target that is not a task or flow', async () => {
    await expect(execute(42 as never)).rejects.toThrow('execute: target must be a Task, a Flow or an array of them');
  });
});

describe('Task', () => {
  it('should reject bad definitions with a TypeError naming the option', () => {
    expect(() => new Task({ fn: 'nope' as never })).toThrow("Task: option 'fn' must be a function");
    expect(() => new Task({ fn: [() => 1][0]! })).toThrow("pass option 'operationName'");
    expect(() => new Task({ fn: op, maxRetry: -1 })).toThrow("option 'maxRetry' must be a whole number >= 0");
    expect(() => new Task({ fn: op, runtimeLimitMs: 0 })).toThrow("option 'runtimeLimitMs' must be a number > 0");
  });
});

describe('taskableOperation', () => {
  it('should reject bad options with a TypeError naming the option', () => {
    expect(() => taskableOperation(function badRetry() {}, { maxRetry: 1.5 })).toThrow(
      "taskableOperation: option 'maxRetry' must be a whole number >= 0, received 1.5",
    );
    expect(() => taskableOperation(() => 1)).toThrow("pass option 'operationName'");
  });

  it('should refuse a second function under a name already taken', () => {
    taskableOperation(function takenName() {});
    expect(() => taskableOperation(function takenName() {})).toThrow(
      "Operation name 'takenName' is already registered",
    );
  });
});

describe('LocalExecutionQueue', () => {
  it('should reject a bad concurrency with a TypeError naming it', () => {
    expect(() => new LocalExecutionQueue({ concurrency: 0 })).toThrow(
      "LocalExecutionQueue: option 'concurrency' must be a whole number >= 1, received 0",
    );
  });
});
