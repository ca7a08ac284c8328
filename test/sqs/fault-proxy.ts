// A fault-injecting HTTP proxy for the SQS tests: between SQS clients (the library, CLI workers)
// and the emulator, on 127.0.0.1. It fails a share of the calls as SQS and networks do (500s,
// throttling, dropped connections) and can drop every call until told to stop (an outage). Those
// failed calls never reach the emulator, so a retry of them cannot act twice. The "lost answer"
// kinds are the other hazard: the call is forwarded and applied, then its answer is lost (the
// connection cut, or a 500 in its place), so the client retries a call that already acted.
import { once } from 'node:events';
import { request, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * How a call is failed. Before it reaches the emulator: `error500`, `throttle`, `drop` (the
 * connection cut). After the emulator applied it: `lostReset` (its answer is read, then the
 * connection cut: the client sees a reset) and `lost500` (a 500 in place of its answer).
 */
export type FaultKind = 'error500' | 'throttle' | 'drop' | 'lostReset' | 'lost500';

/** The kinds that fail a call after the emulator applied it. */
export const LOST_ANSWERS: readonly FaultKind[] = ['lostReset', 'lost500'];

/** The SQS calls that change something: the ones whose lost answer makes a retry act twice. */
export const MUTATING_CALLS: readonly string[] = [
  'SendMessage',
  'SendMessageBatch',
  'DeleteMessage',
  'DeleteMessageBatch',
  'ChangeMessageVisibility',
  'ChangeMessageVisibilityBatch',
];

/** What the proxy saw and did. */
export interface FaultCounts {
  calls: number;
  forwarded: number;
  error500: number;
  throttle: number;
  drop: number;
  /** Calls applied by the emulator whose answer was then cut off. */
  lostReset: number;
  /** Calls applied by the emulator whose answer was replaced with a 500. */
  lost500: number;
  /** Calls dropped during an outage. */
  outage: number;
  /** Failed calls per action (`ReceiveMessage`, ..., and for S3 `GetObject`, ...), lost answers included. */
  byAction: Record<string, number>;
  /** Calls applied by the emulator whose answer was lost, per action. */
  lostByAction: Record<string, number>;
  /** Calls forwarded to the emulator, per action (those whose answer was lost included). */
  forwardedByAction: Record<string, number>;
  /** Bytes of the emulator's answers passed on to the client, per action. */
  answerBytesByAction: Record<string, number>;
  /** Calls the emulator answered, per action (whether or not the client got the answer). */
  answeredByAction: Record<string, number>;
}

export interface FaultProxy {
  /** The endpoint to give the SQS clients. */
  readonly endpoint: string;
  readonly counts: FaultCounts;
  /**
   * From now on, fails `rate` (0 to 1) of the calls, spread evenly over `kinds`; only calls of
   * `actions` when given. Replaces the rules set before (`setFaults(0)`: no more faults).
   */
  setFaults(rate: number, kinds?: readonly FaultKind[], actions?: readonly string[]): void;
  /** Adds a rule like {@link setFaults}' to those in force (a call is failed by the first rule that draws it). */
  addFaults(rate: number, kinds: readonly FaultKind[], actions?: readonly string[]): void;
  /** Fails the next `n` calls of `action` with `kind` (before any rule). */
  failNext(action: string, kind: FaultKind, n?: number): void;
  /** From now on, drops every call (the connection is cut), as a server that is down would, until {@link restore}. */
  outage(): void;
  /** Ends the outage: calls go through again. */
  restore(): void;
  /**
   * From now on, moves the `Date` header of the emulator's answers by `ms` (SQS's clock looks
   * that far ahead of this host's; negative: behind). `shiftDate(0)` ends it.
   */
  shiftDate(ms: number): void;
  /** Resolves once `n` calls in all have been dropped by outages. */
  dropped(n: number): Promise<void>;
  /** Resolves once `n` calls in all have been forwarded to the emulator. */
  forwarded(n: number): Promise<void>;
  /** Resolves once `n` calls of `action` in all have been forwarded to the emulator. */
  forwardedOf(action: string, n: number): Promise<void>;
  /** Resolves once the emulator has answered `n` calls of `action` in all (answers lost on the way included). */
  answered(action: string, n: number): Promise<void>;
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

/** A rule: `rate` of the calls (of `actions`, or all) fail, spread evenly over `kinds`. */
interface FaultRule {
  readonly rate: number;
  readonly kinds: readonly FaultKind[];
  readonly actions: ReadonlySet<string> | undefined;
}

const BEFORE: readonly FaultKind[] = ['error500', 'throttle', 'drop'];

/** Starts a proxy to `target` (the emulator's endpoint) on 127.0.0.1 and a free port. */
export async function startFaultProxy(target: string, seed = 12): Promise<FaultProxy> {
  const upstream = new URL(target);
  const random = seeded(seed);
  let rules: FaultRule[] = [];
  const next = new Map<string, { kind: FaultKind; n: number }>();
  let down = false;
  let dateShift = 0;
  const counts: FaultCounts = {
    calls: 0,
    forwarded: 0,
    error500: 0,
    throttle: 0,
    drop: 0,
    lostReset: 0,
    lost500: 0,
    outage: 0,
    byAction: {},
    lostByAction: {},
    forwardedByAction: {},
    answerBytesByAction: {},
    answeredByAction: {},
  };
  const waiters: { n: number; resolve: () => void }[] = [];
  const outageWaiters: { n: number; resolve: () => void }[] = [];
  const answerWaiters = new Map<string, { n: number; resolve: () => void }[]>();
  const forwardWaiters = new Map<string, { n: number; resolve: () => void }[]>();
  const waitOn = (on: Map<string, { n: number; resolve: () => void }[]>, action: string, n: number): Promise<void> =>
    new Promise((resolve) => {
      const list = on.get(action) ?? [];
      on.set(action, list);
      list.push({ n, resolve });
    });

  const answerFailed = (kind: FaultKind, req: IncomingMessage, res: ServerResponse): void => {
    if (kind === 'drop' || kind === 'lostReset') {
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
  const fail = (kind: FaultKind | 'outage', action: string, req: IncomingMessage, res: ServerResponse): void => {
    counts[kind]++;
    counts.byAction[action] = (counts.byAction[action] ?? 0) + 1;
    if (kind === 'outage') {
      settle(outageWaiters, counts.outage);
      req.socket.destroy();
      return;
    }
    answerFailed(kind, req, res);
  };
  /** The fault this call gets, if any: a planned one first, then the rules in order. */
  const faultOf = (action: string): FaultKind | undefined => {
    const planned = next.get(action);
    if (planned !== undefined) {
      if (--planned.n === 0) next.delete(action);
      return planned.kind;
    }
    for (const rule of rules) {
      if (rule.rate <= 0 || (rule.actions !== undefined && !rule.actions.has(action))) continue;
      if (random() < rule.rate) return rule.kinds[Math.floor(random() * rule.kinds.length)]!;
    }
    return undefined;
  };
  const answered = (action: string): void => {
    const n = (counts.answeredByAction[action] = (counts.answeredByAction[action] ?? 0) + 1);
    settle(answerWaiters.get(action) ?? [], n);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      counts.calls++;
      const target = String(req.headers['x-amz-target'] ?? '');
      const action = target.slice(target.indexOf('.') + 1) || s3Action(req);
      if (down) return fail('outage', action, req, res);
      const fault = faultOf(action);
      if (fault !== undefined && !LOST_ANSWERS.includes(fault)) return fail(fault, action, req, res);
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          if (fault === undefined) {
            const headers = { ...answer.headers };
            if (dateShift !== 0 && headers.date !== undefined) {
              headers.date = new Date(Date.parse(headers.date) + dateShift).toUTCString();
            }
            res.writeHead(answer.statusCode ?? 502, headers);
            answer.on('data', (chunk: Buffer) => {
              counts.answerBytesByAction[action] = (counts.answerBytesByAction[action] ?? 0) + chunk.length;
            });
            answer.pipe(res);
            answer.on('end', () => answered(action));
            res.on('close', () => answer.destroy()); // the client hung up: read no more of the answer
            return;
          }
          // The emulator has applied the call: its answer is read in full, then lost.
          answer.resume();
          answer.on('end', () => {
            answered(action);
            counts.lostByAction[action] = (counts.lostByAction[action] ?? 0) + 1;
            fail(fault, action, req, res);
          });
        },
      );
      forward.on('error', () => req.socket.destroy());
      forward.end(Buffer.concat(chunks));
      counts.forwarded++;
      counts.forwardedByAction[action] = (counts.forwardedByAction[action] ?? 0) + 1;
      settle(waiters, counts.forwarded);
      settle(forwardWaiters.get(action) ?? [], counts.forwardedByAction[action]);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const rule = (rate: number, kinds: readonly FaultKind[], actions?: readonly string[]): FaultRule => ({
    rate,
    kinds,
    actions: actions === undefined ? undefined : new Set(actions),
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    setFaults(share, only = BEFORE, actions) {
      rules = [rule(share, only, actions)];
    },
    addFaults(share, only, actions) {
      rules.push(rule(share, only, actions));
    },
    failNext(action, kind, n = 1) {
      next.set(action, { kind, n });
    },
    outage() {
      down = true;
    },
    restore() {
      down = false;
    },
    shiftDate(ms) {
      dateShift = ms;
    },
    dropped(n) {
      if (counts.outage >= n) return Promise.resolve();
      return new Promise((resolve) => outageWaiters.push({ n, resolve }));
    },
    forwarded(n) {
      if (counts.forwarded >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    forwardedOf(action, n) {
      if ((counts.forwardedByAction[action] ?? 0) >= n) return Promise.resolve();
      return waitOn(forwardWaiters, action, n);
    },
    answered(action, n) {
      if ((counts.answeredByAction[action] ?? 0) >= n) return Promise.resolve();
      return new Promise((resolve) => {
        const list = answerWaiters.get(action) ?? [];
        answerWaiters.set(action, list);
        list.push({ n, resolve });
      });
    },
    async stop() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
