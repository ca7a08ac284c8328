// The usual mistakes get clear errors, early (issue 9, item 6).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CheckpointError,
  Flow,
  LocalExecutionQueue,
  MazepaExecutionFailure,
  ThreadExecutionQueue,
  execute,
  flowSchema,
  taskableOperation,
  taskableOperationCls,
} from 'mazepa';
import { SqsExecutionQueue, runWorker } from 'mazepa/sqs';
import { closestName, editDistance } from '../src/flows/option-keys.js';

const quiet = { showProgress: false } as const;
const ran: number[] = [];
const step = taskableOperation(function mistakesStep(i: number) {
  ran.push(i);
  return i;
});

describe('unknown option keys', () => {
  it.each([
    [
      'execute',
      () => execute(step.makeTask(1), { showProgres: false } as never),
      "'showProgres' (did you mean 'showProgress'?)",
    ],
    [
      'execute',
      () => execute(step.makeTask(1), { maxInflight: 5 } as never),
      "'maxInflight' (did you mean 'maxInFlight'?)",
    ],
    [
      'LocalExecutionQueue',
      () => new LocalExecutionQueue({ concurency: 2 } as never),
      "'concurency' (did you mean 'concurrency'?)",
    ],
    [
      'ThreadExecutionQueue',
      () => new ThreadExecutionQueue({ imports: [], thread: 2 } as never),
      "'thread' (did you mean 'threads'?)",
    ],
    [
      'SqsExecutionQueue',
      () => new SqsExecutionQueue({ queueName: 'q', visibilityTimeout: 30 } as never),
      "'visibilityTimeout' (did you mean 'visibilityTimeoutSec'?)",
    ],
    [
      'runWorker',
      () => runWorker({ queue: new SqsExecutionQueue({ queueName: 'q' }), concurency: 2 } as never),
      "'concurency' (did you mean 'concurrency'?)",
    ],
    [
      'taskableOperation',
      () => taskableOperation(function mistakesRetries() {}, { maxRetries: 2 } as never),
      "'maxRetries' (did you mean 'maxRetry'?)",
    ],
    [
      'taskableOperationCls',
      () =>
        taskableOperationCls(
          class MistakesCls {
            call() {}
          },
          { maxRetries: 2 } as never,
        ),
      "'maxRetries' (did you mean 'maxRetry'?)",
    ],
  ])('should refuse a misspelt option of %s with a TypeError saying what was meant', async (owner, make, hint) => {
    const error = await (async () => make())().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toContain(`${owner}: unknown option ${hint}; its options are: `);
  });

  it('should name no option when none is near, and list them', async () => {
    await expect(execute(step.makeTask(1), { concurrency: 4 } as never)).rejects.toThrow(
      /^execute: unknown option 'concurrency'; its options are: queue, executionId, maxBatchLen, maxInFlight/,
    );
  });

  it('should find the nearest name, ignoring case, and only a near one', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(closestName('MAXINFLIGHT', ['maxBatchLen', 'maxInFlight'])).toBe('maxInFlight');
    expect(closestName('queue', ['signal', 'scheduler'])).toBeUndefined();
  });
});

describe('flows', () => {
  it('should refuse an async generator function at once, in new Flow and flowSchema', () => {
    // eslint-disable-next-line require-yield
    async function* fetchAll() {
      await Promise.resolve();
    }
    expect(() => new Flow(fetchAll as never)).toThrow(
      /^Flow: 'fetchAll' is an async generator function \(async function\*\); a flow must be a plain function\*/,
    );
    expect(() => flowSchema(fetchAll as never)).toThrow(/^flowSchema: 'fetchAll' is an async generator function/);
  });

  it('should name a generator object given to execute, and say what to pass instead', async () => {
    function* pipeline() {
      yield step.makeTask(1);
    }
    await expect(execute(pipeline() as never)).rejects.toThrow(
      /received a generator object; pass a Flow instead: `new Flow\(genFn\)`, or make genFn a flow schema/,
    );
    await expect(execute(Promise.resolve(1) as never)).rejects.toThrow(/received a Promise; await it first/);
    await expect(execute([step.makeTask(1), pipeline] as never)).rejects.toThrow(
      /item 1 of the target array must be a Task or a Flow, received the function 'pipeline'; call it/,
    );
  });

  it('should say "did you mean yield*" when a flow yields task.result() without the star', async () => {
    // TypeScript refuses the missing star at compile time too; plain JavaScript finds out here.
    // @ts-expect-error a generator is not a Yieldable
    const noStar = flowSchema(function* mistakesNoStar() {
      const value: unknown = yield step.makeTask(2).result();
      return value;
    });
    const error = await execute(noStar(), quiet).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MazepaExecutionFailure);
    expect(((error as Error).cause as Error).message).toMatch(
      /Flow 'mistakesNoStar' yielded a generator object; .*; did you mean `yield\*`\? \(`const v = yield\* task\.result\(\)`\)/,
    );
  });
});

describe('checkpoint path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mazepa-mistakes-'));

  it.each([
    [
      'its folder is missing',
      join(dir, 'missing', 'run.ckpt'),
      /its folder .*missing does not exist \(create it first\)/,
    ],
    ['its folder is a file', join(dir, 'a-file', 'run.ckpt'), /a-file is not a folder/],
    ['it is a folder', dir, /it is a folder, not a file/],
  ])('should reject before any task runs when %s', async (_what, path, message) => {
    writeFileSync(join(dir, 'a-file'), '');
    ran.length = 0;
    const error = await execute(step.makeTask(3), { ...quiet, checkpoint: path }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as CheckpointError).phase).toBe('load');
    expect((error as Error).message).toMatch(message);
    expect(ran).toEqual([]);
  });
});
