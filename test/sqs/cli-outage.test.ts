// `--max-outage-ms` of `mazepa worker` and `mazepa run`: checked, and given to the queue.
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runMazepa } from '../../src/cli/program.js';
import { spawnScript } from '../fixtures/run/spawn-mazepa.js';
import { OPS_MODULE, workerEnv } from './helpers.js';

/**
 * An endpoint on 127.0.0.1 that resets every connection (a transient error) for as long as it
 * is open: the port stays this test's, unlike a free port closed and reused, which another
 * process may take in between.
 */
async function resettingEndpoint(): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const server = createServer((socket) => socket.resetAndDestroy()).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      server.close();
      await once(server, 'close');
    },
  };
}

async function mazepa(...args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((text) => {
    stderr += String(text);
    return true;
  });
  try {
    return { code: await runMazepa(['node', 'mazepa', ...args]), stderr };
  } finally {
    spy.mockRestore();
    process.exitCode = undefined;
  }
}

describe('--max-outage-ms', () => {
  it('should refuse a bad value, or one without an SQS queue, with exit code 2', async () => {
    const fixture = 'test/fixtures/run/sqs-flow.ts';
    const bad = await mazepa('worker', '--queue-name', 'q', '--import', OPS_MODULE, '--max-outage-ms', 'soon');
    expect(bad.stderr).toMatch(/option '--max-outage-ms <ms>' argument 'soon' is invalid/);
    expect(bad.code).toBe(2);
    const local = await mazepa('run', fixture, '--export', 'sums', '--args', '[1]', '--max-outage-ms', '1000');
    expect(local.stderr).toMatch(/--max-outage-ms applies to an SQS queue/);
    expect(local.code).toBe(2);
  });

  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  it('should make a worker and a run that cannot reach SQS give up after it, saying why', async () => {
    const { endpoint, close } = await resettingEndpoint();
    cleanup = close;
    // A budget of 2 s: room for a retry even when the first try is slow on a busy machine.
    const worker = spawnScript(
      'src/cli/main.ts',
      ['worker', '--queue-name', 'q', '--import', OPS_MODULE, '--max-outage-ms', '2000'],
      workerEnv(endpoint),
    );
    const run = spawnScript(
      'src/cli/main.ts',
      ['run', 'test/fixtures/run/sqs-flow.ts', '--export', 'sums', '--args', '[3]', '--queue-name', 'q'].concat([
        '--no-progress',
        '--max-outage-ms',
        '2000',
      ]),
      workerEnv(endpoint),
    );
    const [w, r] = await Promise.all([worker.exited, run.exited]);
    // The first call to give up: the task queue's lookup, or the run's outcome queue.
    const gaveUp =
      /SQS \w+ on queue 'q[\w-]*' has failed for \d+\.\d s \(\d+ tr(y|ies); the outage budget maxOutageMs is 2000 ms\); the last error: .*ECONNRESET/;
    expect(w.stderr).toMatch(gaveUp);
    expect(w.stderr).toMatch(
      /mazepa worker: SQS GetQueueUrl on queue 'q' failed: .*; retrying in \d+ ms \(1 failure\)/,
    );
    expect(w.code).toBe(1);
    expect(r.stderr).toMatch(gaveUp);
    expect(r.code).toBe(1);
  });
});
