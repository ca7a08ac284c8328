// A layered run through the fault proxy: `mazepa run` and `mazepa worker` processes, all of
// whose SQS calls go through a proxy that fails a share of them, loses the answer of a share of
// the calls that change something (after the server applied them), and drops all of them for a
// while. Shared by the fast fault test (npm test) and the full-size one (npm run chaos).
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnScript } from '../fixtures/run/spawn-mazepa.js';
import { LOST_ANSWERS, MUTATING_CALLS, startFaultProxy, type FaultCounts } from './fault-proxy.js';
import { startWorker, workerEnv, type Emulator, type WorkerProcess } from './helpers.js';

export interface ChaosOptions {
  readonly name: string;
  readonly tasks: number;
  readonly layers: number;
  readonly workers: number;
  readonly concurrency: number;
  /** Share of calls failed before they reach the server (500, throttling, dropped connection). */
  readonly faultRate: number;
  /**
   * Share of the calls that change something (send, delete, change visibility) that the server
   * applies and whose answer is then lost (a reset or a 500): the caller retries a call that acted.
   */
  readonly lostRate: number;
  /** The outage: every call dropped, once this many calls have gone through... */
  readonly outageAfterCalls: number;
  /** ...until this many calls have been dropped (by the orchestrator and the workers, retrying). */
  readonly outageCalls: number;
}

export interface ChaosReport {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** How many times each task (`layer-index`) ran, over all workers. */
  readonly runs: Map<string, number>;
  readonly counts: FaultCounts;
  readonly outageHappened: boolean;
  /** How long the outage lasted (until its calls were dropped), in seconds: printed, not checked. */
  readonly outageSeconds: number;
  readonly workers: readonly WorkerProcess[];
  /** Whether each worker was still running when the run ended. */
  readonly workersUp: readonly boolean[];
  readonly seconds: number;
  /** Stops the workers with SIGTERM, then the proxy; resolves to the workers' exit codes. */
  stop(): Promise<(number | string)[]>;
}

export async function runChaos(emulator: Emulator, o: ChaosOptions): Promise<ChaosReport> {
  const started = performance.now();
  const proxy = await startFaultProxy(emulator.endpoint);
  const log = join(mkdtempSync(join(tmpdir(), 'mazepa-chaos-')), 'runs.log');
  const queueName = `${o.name}-${process.pid}`;
  const budget = ['--max-outage-ms', '120000'];
  // Faults from the first call on: start-up calls (GetQueueUrl, CreateQueue) get them too.
  proxy.setFaults(o.faultRate);
  proxy.addFaults(o.lostRate, LOST_ANSWERS, MUTATING_CALLS);
  const workers: WorkerProcess[] = [];
  const stop = async (): Promise<(number | string)[]> => {
    proxy.setFaults(0);
    for (const w of workers) w.child.kill('SIGTERM');
    const codes = await Promise.all(workers.map((w) => w.exited));
    await proxy.stop();
    return codes;
  };
  try {
    workers.push(
      ...Array.from({ length: o.workers }, () =>
        startWorker(proxy.endpoint, queueName, ['--concurrency', String(o.concurrency), ...budget]),
      ),
    );
    const run = spawnScript(
      'src/cli/main.ts',
      [
        'run',
        'test/fixtures/run/layered-flow.ts',
        '--export',
        'layered',
        '--args',
        JSON.stringify([o.tasks, o.layers, log]),
        '--queue-name',
        queueName,
        '--endpoint',
        proxy.endpoint,
        '--no-progress',
        ...budget,
      ],
      workerEnv(proxy.endpoint),
    );
    let outageHappened = false;
    let outageSeconds = 0;
    void proxy.forwarded(o.outageAfterCalls).then(async () => {
      const since = performance.now();
      proxy.outage();
      await proxy.dropped(o.outageCalls);
      proxy.restore();
      outageSeconds = (performance.now() - since) / 1000;
      outageHappened = true;
    });
    const result = await run.exited;
    const workersUp = workers.map((w) => w.child.exitCode === null && w.child.signalCode === null);
    const runs = new Map<string, number>();
    const lines = existsSync(log) ? readFileSync(log, 'utf8').split('\n') : [];
    for (const line of lines) {
      const key = line.split(' ')[0];
      if (key) runs.set(key, (runs.get(key) ?? 0) + 1);
    }
    return {
      code: result.code,
      stdout: result.stdout,
      stderr: result.stderr,
      runs,
      counts: proxy.counts,
      outageHappened,
      outageSeconds,
      workers,
      workersUp,
      seconds: (performance.now() - started) / 1000,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
