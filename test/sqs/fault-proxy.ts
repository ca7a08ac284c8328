// A fault-injecting HTTP proxy for the SQS tests: between SQS clients (the library, CLI workers)
// and the emulator, on 127.0.0.1. It fails a share of the calls as SQS and networks do (500s,
// throttling, dropped connections) and can drop every call until told to stop (an outage). A failed
// call never reaches the emulator, so a retry of it cannot act twice.
import { once } from 'node:events';
import { request, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How a call is failed. */
export type FaultKind = 'error500' | 'throttle' | 'drop';

/** What the proxy saw and did. */
export interface FaultCounts {
  calls: number;
  forwarded: number;
  error500: number;
  throttle: number;
  drop: number;
  /** Calls dropped during an outage. */
  outage: number;
  /** Failed calls per action (`ReceiveMessage`, ..., and for S3 `GetObject`, ...). */
  byAction: Record<string, number>;
  /** Calls forwarded to the emulator, per action. */
  forwardedByAction: Record<string, number>;
  /** Bytes of the emulator's answers passed on to the client, per action. */
  answerBytesByAction: Record<string, number>;
}

export interface FaultProxy {
  /** The endpoint to give the SQS clients. */
  readonly endpoint: string;
  readonly counts: FaultCounts;
  /** From now on, fails `rate` (0 to 1) of the calls, spread evenly over `kinds`. */
  setFaults(rate: number, kinds?: readonly FaultKind[]): void;
  /** From now on, drops every call (the connection is cut), as a server that is down would, until {@link restore}. */
  outage(): void;
  /** Ends the outage: calls go through again. */
  restore(): void;
  /** Resolves once `n` calls in all have been dropped by outages. */
  dropped(n: number): Promise<void>;
  /** Resolves once `n` calls in all have been forwarded to the emulator. */
  forwarded(n: number): Promise<void>;
  stop(): Promise<void>;
}

/** The answer SQS gives a throttled call (JSON protocol): the SDK reads it as `ThrottlingException`. */
const THROTTLED = JSON.stringify({ __type: 'com.amazonaws.sqs#ThrottlingException', message: 'Rate exceeded' });
const INTERNAL = JSON.stringify({ __type: 'com.amazonaws.sqs#InternalError', message: 'injected server error' });

/** Resolves the waiters whose count has been reached. */
function settle(waiters: { n: number; resolve: () => void }[], count: number): void {
  for (const w of [...waiters]) {
    if (count >= w.n) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  }
}

/** The S3 action of a REST call (SQS calls name theirs in `x-amz-target`). */
function s3Action(req: IncomingMessage): string {
  const url = new URL(req.url ?? '/', 'http://proxy');
  const onObject = url.pathname.split('/').filter(Boolean).length > 1; // path-style: /bucket/key
  if (req.method === 'GET') return onObject ? 'GetObject' : 'ListObjects';
  if (req.method === 'PUT') return onObject ? 'PutObject' : 'CreateBucket';
  if (req.method === 'DELETE') return onObject ? 'DeleteObject' : 'DeleteBucket';
  if (req.method === 'POST' && url.searchParams.has('delete')) return 'DeleteObjects';
  return 'unknown';
}

/** A small seeded generator (mulberry32): the same faults for the same seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Starts a proxy to `target` (the emulator's endpoint) on 127.0.0.1 and a free port. */
export async function startFaultProxy(target: string, seed = 12): Promise<FaultProxy> {
  const upstream = new URL(target);
  const random = seeded(seed);
  let rate = 0;
  let kinds: readonly FaultKind[] = ['error500', 'throttle', 'drop'];
  let down = false;
  const counts: FaultCounts = {
    calls: 0,
    forwarded: 0,
    error500: 0,
    throttle: 0,
    drop: 0,
    outage: 0,
    byAction: {},
    forwardedByAction: {},
    answerBytesByAction: {},
  };
  const waiters: { n: number; resolve: () => void }[] = [];
  const outageWaiters: { n: number; resolve: () => void }[] = [];

  const fail = (kind: FaultKind | 'outage', action: string, req: IncomingMessage, res: ServerResponse): void => {
    counts[kind]++;
    counts.byAction[action] = (counts.byAction[action] ?? 0) + 1;
    if (kind === 'outage') settle(outageWaiters, counts.outage);
    if (kind === 'drop' || kind === 'outage') {
      req.socket.destroy(); // the client sees the connection cut ("socket hang up")
      return;
    }
    const status = kind === 'throttle' ? 400 : 500;
    const body = kind === 'throttle' ? THROTTLED : INTERNAL;
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-query-error': kind === 'throttle' ? 'ThrottlingException;Sender' : 'InternalError;Receiver',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      counts.calls++;
      const target = String(req.headers['x-amz-target'] ?? '');
      const action = target.slice(target.indexOf('.') + 1) || s3Action(req);
      if (down) return fail('outage', action, req, res);
      if (rate > 0 && random() < rate) return fail(kinds[Math.floor(random() * kinds.length)]!, action, req, res);
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.on('data', (chunk: Buffer) => {
            counts.answerBytesByAction[action] = (counts.answerBytesByAction[action] ?? 0) + chunk.length;
          });
          answer.pipe(res);
          res.on('close', () => answer.destroy()); // the client hung up: read no more of the answer
        },
      );
      forward.on('error', () => req.socket.destroy());
      forward.end(Buffer.concat(chunks));
      counts.forwarded++;
      counts.forwardedByAction[action] = (counts.forwardedByAction[action] ?? 0) + 1;
      settle(waiters, counts.forwarded);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    setFaults(share, only = ['error500', 'throttle', 'drop']) {
      rate = share;
      kinds = only;
    },
    outage() {
      down = true;
    },
    restore() {
      down = false;
    },
    dropped(n) {
      if (counts.outage >= n) return Promise.resolve();
      return new Promise((resolve) => outageWaiters.push({ n, resolve }));
    },
    forwarded(n) {
      if (counts.forwarded >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    async stop() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
