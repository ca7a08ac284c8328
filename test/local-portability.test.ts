import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalExecutionQueue, MazepaExecutionFailure, Task, execute, flowSchema, taskableOperation } from 'mazepa';
import { SqsExecutionQueue } from 'mazepa/sqs';
import { stubClient } from './sqs/stub-client.js';

const quiet = { showProgress: false } as const;

const withCallback = taskableOperation(function portableWithCallback(n: number, _cb: () => void) {
  return n;
});
class NotRegistered {
  constructor(readonly n: number) {}
}
const returnsInstance = taskableOperation(function portableReturnsInstance(n: number) {
  return new NotRegistered(n);
});
const plain = taskableOperation(function portablePlain(n: number) {
  return { n, when: new Date(0) };
});

/** The `MAZEPA_LOCAL_ONLY` warnings emitted while `run` runs. */
async function warningsOf(run: () => Promise<unknown>): Promise<string[]> {
  const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
  try {
    await run();
    return spy.mock.calls
      .filter(([, options]) => (options as { code?: string } | undefined)?.code === 'MAZEPA_LOCAL_ONLY')
      .map(([message]) => String(message));
  } finally {
    spy.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('LocalExecutionQueue portability', () => {
  it('should warn once per operation of a function argument, naming the random id', async () => {
    const warnings = await warningsOf(() =>
      execute([withCallback.makeTask(1, () => {}), withCallback.makeTask(2, () => {})], quiet),
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/operation 'portableWithCallback'.*could not run on threads or SQS/);
    expect(warnings[0]).toMatch(/args\[1\] is a function.*its id is random and a checkpoint never skips it/);
    expect(warnings[0]).toMatch(/strict: true \(mazepa run --strict\)/);
  });

  it('should warn of a task made with new Task({ fn }) and of a result that could not travel back', async () => {
    const warnings = await warningsOf(() =>
      execute(
        [
          new Task({ fn: (n: number) => n + 1, args: [1], operationName: 'portableAdHoc' }),
          returnsInstance.makeTask(1),
        ],
        quiet,
      ),
    );
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/'portableAdHoc'.*not registered; make it with taskableOperation/);
    expect(warnings[1]).toMatch(/'portableReturnsInstance'\) returned a value that could not be sent back/);
  });

  it('should not warn of tasks that travel', async () => {
    expect(await warningsOf(() => execute([plain.makeTask(1), plain.makeTask(2)], quiet))).toEqual([]);
  });

  it('should refuse in strict mode what SQS would refuse', async () => {
    const strict = () => ({ ...quiet, queue: new LocalExecutionQueue({ strict: true }) });
    const byHand = execute(new Task({ fn: () => 1, operationName: 'portableStrictAdHoc' }), strict());
    await expect(byHand).rejects.toThrow(/\(strict\).*'portableStrictAdHoc'.*not registered/);
    const callback = execute(
      flowSchema(function* portableStrictFlow() {
        yield withCallback.makeTask(1, () => {});
      })(),
      strict(),
    );
    await expect(callback).rejects.toThrow(/\(strict\).*args\[1\] is a function/);
    const result = execute(returnsInstance.makeTask(3), strict()).catch((e: unknown) => e);
    expect(await result).toBeInstanceOf(MazepaExecutionFailure);
    expect(String(((await result) as Error).cause)).toMatch(/\(strict\).*returned a value that could not be sent back/);
    expect(await execute(plain.makeTask(3), strict())).toMatchObject({ succeeded: 1 });
    expect(() => new LocalExecutionQueue({ strict: 'yes' as never })).toThrow(
      "LocalExecutionQueue: option 'strict' must be a boolean, received yes",
    );
  });
});

describe('SqsExecutionQueue with a task made by hand', () => {
  it('should say to make it with taskableOperation, not to start the worker with --import', async () => {
    const { client } = stubClient(() => ({ QueueUrl: 'http://h/000/q' }));
    const queue = new SqsExecutionQueue({ queueName: 'q', client });
    const subscription = queue.outcomes('exec-hand').subscribe();
    const task = new Task({ fn: (n: number) => n, args: [1], operationName: 'portableNowhere' });
    task.executionId = 'exec-hand';
    const error = await queue.pushTasks([task]).catch((e: unknown) => e);
    expect(String(error)).toMatch(/'portableNowhere' is not registered.*make it with taskableOperation/);
    expect(String(error)).not.toMatch(/--import/);
    subscription.unsubscribe();
    await queue.close();
  });
});

describe('mazepa run --strict', () => {
  it('should refuse a task made by hand, which runs (with a warning) without it', async () => {
    const { runMazepa } = await import('../src/cli/program.js');
    const run = async (...flags: string[]) => {
      let stderr = '';
      const spy = vi.spyOn(process.stderr, 'write').mockImplementation((text) => {
        stderr += String(text);
        return true;
      });
      try {
        const warnings = await warningsOf(async () => {
          const code = await runMazepa([
            'node',
            'mazepa',
            'run',
            'test/fixtures/run/hand-made-task.ts',
            '--no-progress',
            ...flags,
          ]);
          stderr += `exit ${code}`;
        });
        return { stderr, warnings };
      } finally {
        spy.mockRestore();
        process.exitCode = undefined;
      }
    };
    const strict = await run('--strict');
    expect(strict.stderr).toMatch(/\(strict\).*'handMadeDouble'.*not registered/);
    expect(strict.stderr).toMatch(/exit 1$/);
    const lax = await run();
    expect(lax.stderr).toMatch(/exit 0$/);
    expect(lax.warnings.join('\n')).toMatch(/'handMadeDouble'.*not registered/);
  });
});
