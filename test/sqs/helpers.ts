// Helpers of the SQS tests: an emulator on loopback, an SQS client for it, worker processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CreateQueueCommand, GetQueueUrlCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { buildApp } from 'fauxqs';
import { SqsExecutionQueue, runWorker } from 'mazepa/sqs';
import { spawnScript, type MazepaChild } from '../fixtures/run/spawn-mazepa.js';
import { afterAll, beforeAll } from 'vitest';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export const REGION = 'us-east-1';
export const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// The real command line: `mazepa worker ...`.
const WORKER_ENTRY = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
export const OPS_MODULE = fileURLToPath(new URL('../fixtures/sqs/ops.ts', import.meta.url));

/** An SQS emulator (fauxqs) in this process, on 127.0.0.1 and a free port. */
export interface Emulator {
  readonly endpoint: string;
  readonly client: SQSClient;
  stop(): Promise<void>;
}

export async function startEmulator(): Promise<Emulator> {
  const app = buildApp({ logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new SQSClient({ endpoint, region: REGION, credentials: CREDENTIALS });
  return {
    endpoint,
    client,
    async stop() {
      client.destroy();
      await app.close();
    },
  };
}

/**
 * The emulator of a test file: started before its tests (`beforeAll`), stopped after them
 * (`afterAll`, once every worker process still running is killed). Call it at the top of the
 * file; the handle it returns reaches the emulator from inside tests and hooks (hooks registered
 * after it run after the start and before the stop).
 */
export function useEmulator(): Emulator {
  let started: Emulator | undefined;
  beforeAll(async () => {
    started = await startEmulator();
  });
  afterAll(async () => {
    await killWorkers();
    await started?.stop();
  });
  const get = (): Emulator => {
    if (started === undefined) throw new Error('the emulator starts in beforeAll: use it inside tests and hooks');
    return started;
  };
  return {
    get endpoint() {
      return get().endpoint;
    },
    get client() {
      return get().client;
    },
    stop: () => get().stop(),
  };
}

/**
 * An SQS client for `endpoint` (a fault proxy's, say) that tries each request once, as the
 * clients mazepa makes do: the retries seen are mazepa's own.
 */
export function sqsClient(endpoint: string): SQSClient {
  return new SQSClient({ endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
}

/** The environment a worker process needs to reach the emulator. */
export function workerEnv(endpoint: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL_SQS: endpoint,
    AWS_ENDPOINT_URL_S3: endpoint, // the emulator serves S3 on the same port
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** A `mazepa worker` process, its output line by line. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly stdout: string[];
  readonly stderr: string[];
  /** Resolves to the exit code (or the signal's name). */
  readonly exited: Promise<number | string>;
  /** Resolves with the first line (stdout or stderr, already printed or to come) matching `pattern`. */
  waitFor(pattern: RegExp): Promise<string>;
  /** Resolves with the next line it prints (stdout or stderr). */
  nextLine(): Promise<string>;
}

/**
 * Starts `mazepa run` of the counting flow (`counted` in test/fixtures/run/sqs-count.ts) with
 * `flowArgs` as its `--args`, the given options and `--no-progress`, against `endpoint`.
 */
export function runCounted(endpoint: string, flowArgs: readonly unknown[], options: readonly string[]): MazepaChild {
  const flow = ['run', 'test/fixtures/run/sqs-count.ts', '--export', 'counted', '--args', JSON.stringify(flowArgs)];
  return spawnScript('src/cli/main.ts', [...flow, ...options, '--no-progress'], workerEnv(endpoint));
}

/** A worker in this process whose `countRun` tasks past the first `free` are held at a gate file. */
export interface HeldWorker {
  /** A fresh folder of the test's own (removed by `stop`). */
  readonly dir: string;
  /** The log `countRun` writes to: its tasks hold until the gate `${log}.open` exists. */
  readonly log: string;
  /** Resolves once the worker has started a task. */
  readonly running: Promise<void>;
  /** Opens the gate: the held tasks go on. */
  open(): Promise<void>;
  /** Opens the gate, stops the worker (resolves once it has stopped) and removes `dir`. */
  stop(): Promise<void>;
}

/**
 * Starts `runWorker` on the emulator's queue `queueName` (long polls of 1 s), with a folder
 * (`mazepa-<name>-…`) for the log of `countRun` (test/fixtures/sqs/ops.ts: the caller imports
 * it), whose held tasks wait for the gate that {@link HeldWorker.open} opens.
 */
export async function startHeldWorker(
  client: SQSClient,
  queueName: string,
  name: string,
  concurrency?: number,
): Promise<HeldWorker> {
  const dir = await mkdtemp(join(tmpdir(), `mazepa-${name}-`));
  const log = join(dir, 'runs.log');
  const stop = new AbortController();
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const worker = runWorker({
    queue: new SqsExecutionQueue({ queueName, client, waitTimeSeconds: 1 }),
    ...(concurrency === undefined ? {} : { concurrency }),
    signal: stop.signal,
    onEvent: (event) => {
      if (event.type === 'task_started') started();
    },
  });
  const open = (): Promise<void> => writeFile(`${log}.open`, '');
  return {
    dir,
    log,
    running,
    open,
    stop: async () => {
      await open();
      stop.abort();
      await worker;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const children = new Set<ChildProcess>();

/**
 * Starts `mazepa worker --queue-name <queueName> --import ops.ts <args>` against the emulator,
 * with long polls of 2 s unless `args` give `--wait-time` (a stopping worker lets its last poll
 * end: 20 s polls would make each stop of an idle worker take up to 20 s).
 */
export function startWorker(endpoint: string, queueName: string, args: readonly string[] = []): WorkerProcess {
  const polls = args.includes('--wait-time') ? [] : ['--wait-time', '2'];
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', WORKER_ENTRY, 'worker', '--queue-name', queueName, '--import', OPS_MODULE, ...polls, ...args],
    { cwd: ROOT, env: workerEnv(endpoint), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  const stdout: string[] = [];
  const stderr: string[] = [];
  const watchers: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const onLine = (into: string[]) => (line: string) => {
    into.push(line);
    for (const w of [...watchers]) {
      if (w.pattern.test(line)) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  createInterface({ input: child.stdout! }).on('line', onLine(stdout));
  createInterface({ input: child.stderr! }).on('line', onLine(stderr));
  // 'close' comes after the output is read to its end (unlike 'exit').
  const exited = once(child, 'close').then(([code, signal]) => {
    children.delete(child);
    return (code as number | null) ?? (signal as string);
  });
  return {
    child,
    stdout,
    stderr,
    exited,
    nextLine() {
      return new Promise<string>((resolve) => watchers.push({ pattern: /(?:)/, resolve }));
    },
    waitFor(pattern) {
      const seen = [...stdout, ...stderr].find((line) => pattern.test(line));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise<string>((resolve, reject) => {
        watchers.push({ pattern, resolve });
        void exited.then((code) =>
          reject(
            new Error(`worker exited (${code}) before printing ${pattern}:\n${[...stdout, ...stderr].join('\n')}`),
          ),
        );
      });
    },
  };
}

/** Kills every worker process still running (afterAll). */
export async function killWorkers(): Promise<void> {
  const running = [...children];
  for (const child of running) child.kill('SIGKILL');
  await Promise.all(running.map((child) => (child.exitCode === null ? once(child, 'exit') : undefined)));
}

/** An S3 client for the emulator (path-style addressing), with `bucket` created. */
export async function s3Client(endpoint: string, bucket: string): Promise<S3Client> {
  const client = new S3Client({ endpoint, region: REGION, credentials: CREDENTIALS, forcePathStyle: true });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return client;
}

/** The keys of the objects in `bucket` under `prefix`. */
export async function objectKeys(client: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const { Contents } = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (Contents ?? []).map((o) => o.Key!).sort();
}

/** The names of the queues on the emulator whose name starts with `prefix`. */
export async function queueNames(client: SQSClient, prefix: string): Promise<string[]> {
  const { QueueUrls } = await client.send(new ListQueuesCommand({ QueueNamePrefix: prefix }));
  return (QueueUrls ?? []).map((url) => url.slice(url.lastIndexOf('/') + 1)).sort();
}

/** Creates (or finds) a queue and returns its URL. */
export async function makeQueue(
  client: SQSClient,
  name: string,
  attributes: Record<string, string> = {},
): Promise<string> {
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  return QueueUrl!;
}

export async function queueUrl(client: SQSClient, name: string): Promise<string> {
  return (await client.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
}
