// SQS demo: `npm run demo:sqs`. Starts an SQS emulator (fauxqs) in this process, 2 worker
// processes with the real CLI (`mazepa worker`), and runs a flow on them: a 3-D volume processed
// chunk by chunk, then a summary that depends on every chunk. Prints which worker ran what.
//
// This file is also the workers' operations module (`--import examples/sqs-demo.ts`): importing
// it registers the operations; only running it directly starts the demo.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Dependency, execute, flowSchema, taskableOperation } from 'mazepa';
import { SqsExecutionQueue } from 'mazepa/sqs';

/** Pretends to downsample one chunk of the volume; returns its statistics and who did it. */
export const downsample = taskableOperation(
  async function downsample(x: number, y: number, z: number) {
    const voxels = 64 ** 3;
    await new Promise((resolve) => setImmediate(resolve)); // real work would read and write storage here
    return { chunk: `${x}_${y}_${z}`, mean: ((x * 31 + y * 17 + z * 7) % 255) / 255, voxels, pid: process.pid };
  },
  { operationName: 'downsample' },
);

/** Combines the chunks' statistics. */
export const summarize = taskableOperation(
  function summarize(means: number[]) {
    return { chunks: means.length, mean: means.reduce((a, b) => a + b, 0) / means.length, pid: process.pid };
  },
  { operationName: 'summarize' },
);

const volume = flowSchema(function* volume(size: number) {
  const chunks = [];
  for (let x = 0; x < size; x++)
    for (let y = 0; y < size; y++) for (let z = 0; z < size; z++) chunks.push(downsample.makeTask(x, y, z));
  yield chunks;
  yield new Dependency(chunks);
  const stats = chunks.map((task) => task.outcome!.returnValue!);
  const byWorker = new Map<number, number>();
  for (const s of stats) byWorker.set(s.pid, (byWorker.get(s.pid) ?? 0) + 1);
  for (const [pid, count] of byWorker) console.log(`  worker ${pid} downsampled ${count} chunks`);
  const summary = yield* summarize.makeTask(stats.map((s) => s.mean)).result();
  console.log(`  summary (worker ${summary.pid}): ${summary.chunks} chunks, mean intensity ${summary.mean.toFixed(3)}`);
});

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const { buildApp } = await import('fauxqs');
  const app = buildApp({ logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const endpoint = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  console.log(`SQS emulator on ${endpoint}`);
  const env = {
    ...process.env,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_SQS: endpoint,
    AWS_ACCESS_KEY_ID: 'demo',
    AWS_SECRET_ACCESS_KEY: 'demo',
  };
  const cli = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
  const self = fileURLToPath(import.meta.url);
  const workers: ChildProcess[] = [1, 2].map(() =>
    spawn(
      process.execPath,
      ['--import', 'tsx', cli, 'worker', '--queue-name', 'demo-tasks', '--import', self, '--concurrency', '8'],
      { env, stdio: ['ignore', 'inherit', 'pipe'] },
    ),
  );
  // Echo the workers' logs, and wait until both are up so that they share the work.
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve) =>
          createInterface({ input: worker.stderr! }).on('line', (line) => {
            console.error(line);
            if (line.includes('started on queue')) resolve();
          }),
        ),
    ),
  );
  const client = new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' },
  });
  const queue = new SqsExecutionQueue({ queueName: 'demo-tasks', client, visibilityTimeoutSec: 5 });
  try {
    console.log('running a 4x4x4-chunk volume on 2 workers...');
    const summary = await execute(volume(4), { queue, showProgress: false });
    console.log(
      `done: ${summary.succeeded} tasks succeeded, ${summary.failed} failed, in ${summary.durationMs.toFixed(0)} ms`,
    );
  } finally {
    await queue.close();
    for (const worker of workers) worker.kill('SIGTERM'); // they finish what they run, then exit 0
    await Promise.all(workers.map((worker) => (worker.exitCode === null ? once(worker, 'exit') : undefined)));
    client.destroy();
    await app.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
