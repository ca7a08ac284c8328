import { describe, expect, it } from 'vitest';
import { startWorker, workerEnv, useEmulator } from './sqs/helpers.js';
import { spawnScript } from './fixtures/run/spawn-mazepa.js';

const emulator = useEmulator();

describe('mazepa run --queue-name', () => {
  it('should run the flow on SQS workers, with the queue options of the worker command', async () => {
    const queueName = `mazepa-run-${process.pid}`;
    startWorker(emulator.endpoint, queueName, ['--concurrency', '4']);
    const run = spawnScript(
      'src/cli/main.ts',
      [
        'run',
        'test/fixtures/run/sqs-flow.ts',
        '--export',
        'sums',
        '--args',
        '[50]',
        '--queue-name',
        queueName,
        '--endpoint',
        emulator.endpoint,
        '--no-progress',
      ],
      workerEnv(emulator.endpoint),
    );
    const result = await run.exited;
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`total ${(49 * 50) / 2 + 50}`);
    expect(result.stdout).toContain('50 succeeded');
    expect(result.code).toBe(0);
  });
});
