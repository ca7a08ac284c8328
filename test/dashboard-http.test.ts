import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NEVER, Subject, VirtualAction, VirtualTimeScheduler, of, concat, type Subscription } from 'rxjs';
import {
  execute,
  flowSchema,
  serveDashboard,
  taskableOperation,
  type DashboardServer,
  type ExecutionEvent,
} from 'mazepa';

function get(port: number, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>(
    (resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path, headers: { host: `127.0.0.1:${port}`, ...headers } },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      req.end();
    },
  );
}

describe('the dashboard over HTTP', () => {
  const token = 'cd'.repeat(16);
  let server: DashboardServer;
  let run: Subscription;
  beforeAll(async () => {
    const started: ExecutionEvent = { type: 'execution_started', executionId: 'http-test', queue: 'local' };
    const submitted: ExecutionEvent = {
      type: 'task_submitted',
      executionId: 'http-test',
      taskId: 't',
      operationName: 'op',
      attempt: 1,
    };
    server = await new Promise<DashboardServer>((resolve) => {
      run = serveDashboard(concat(of(started, submitted), NEVER), {
        print: false,
        token,
        onListening: resolve,
      }).subscribe();
    });
  });
  afterAll(async () => {
    run.unsubscribe();
    await server.close();
  });

  it('refuses a foreign Host header with 421 (DNS rebinding)', async () => {
    const answer = await get(server.port, '/', { host: `evil.example:${server.port}` });
    expect(answer.status).toBe(421);
  });

  it('trades the token for an HttpOnly SameSite=Strict cookie and serves the snapshot with it', async () => {
    const login = await get(server.port, `/?token=${token}`);
    expect(login.status).toBe(303);
    const cookie = String(login.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(login.headers.location).toBe('/');
    const snapshot = await get(server.port, '/api/snapshot', { cookie: cookie.split(';')[0]! });
    expect(snapshot.status).toBe(200);
    const frame = JSON.parse(snapshot.body);
    expect(frame.header).toMatchObject({ executionId: 'http-test', submitted: 1, inFlight: 1 });
    expect(await get(server.port, '/api/snapshot')).toMatchObject({ status: 401 });
    expect(
      await get(server.port, '/api/snapshot', { cookie: `mazepa_dashboard_${server.port}=${'0'.repeat(32)}` }),
    ).toMatchObject({
      status: 401,
    });
  });

  it('sends the strict headers on every answer, and no CORS headers', async () => {
    for (const path of ['/', `/?token=${token}`, '/nothing']) {
      const answer = await get(server.port, path, { origin: 'http://evil.example' });
      expect(answer.headers['content-security-policy']).toContain("default-src 'none'");
      expect(answer.headers['content-security-policy']).toContain("script-src 'self'");
      expect(answer.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['referrer-policy']).toBe('no-referrer');
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    }
  });
});

describe('the queue depth on the dashboard', () => {
  it('is asked at most once in 5 seconds, never per task, and shown with the dead letters', async () => {
    const token = 'ef'.repeat(16);
    const scheduler = new VirtualTimeScheduler(VirtualAction, 0);
    const events = new Subject<ExecutionEvent>();
    let asked = 0;
    const depth = async () => {
      asked++;
      return { waiting: asked, inFlight: 1, delayed: 0, deadLetters: 2 };
    };
    let run!: Subscription;
    const server = await new Promise<DashboardServer>((resolve) => {
      run = serveDashboard(events, { print: false, token, depth, scheduler, onListening: resolve }).subscribe();
    });
    try {
      events.next({ type: 'execution_started', executionId: 'depth-test', queue: 'sqs' });
      for (let second = 1; second <= 20; second++) {
        for (let i = 0; i < 500; i++) {
          events.next({
            type: 'task_submitted',
            executionId: 'depth-test',
            taskId: `${second}-${i}`,
            operationName: 'op',
            attempt: 1,
          });
        }
        scheduler.maxFrames = second * 1000;
        scheduler.flush(); // one more second: one tick
        await new Promise((resolve) => setImmediate(resolve)); // the depth asked, if any, answers
      }
      expect(asked).toBe(4); // seconds 1, 6, 11 and 16
      const login = await get(server.port, `/?token=${token}`);
      const cookie = String(login.headers['set-cookie']).split(';')[0]!;
      const frame = JSON.parse((await get(server.port, '/api/snapshot', { cookie })).body);
      expect(frame.header.submitted).toBe(10_000);
      expect(frame.header.queueDepth).toEqual({ waiting: 4, inFlight: 1, delayed: 0, deadLetters: 2 });
    } finally {
      run.unsubscribe();
      await server.close();
    }
  });
});

describe('the dashboard of execute on the local queue', () => {
  it("shows the engine's counts, with no event per task made for it", async () => {
    const square = taskableOperation(function dashboardSquare(n: number) {
      if (n === 7) throw new RangeError(`no ${n}`);
      return n * n;
    });
    const job = flowSchema(function* dashboardJob() {
      yield Array.from({ length: 300 }, (_, i) => square.makeTask(i));
    });
    const printed: string[] = [];
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((text) => {
      printed.push(String(text));
      return true;
    });
    try {
      const summary = await execute(job(), { dashboard: { port: 0 }, raiseOnFailedTask: false, showProgress: false });
      expect(summary).toMatchObject({ succeeded: 299, failed: 1 });
    } finally {
      write.mockRestore();
    }
    const { port, searchParams } = new URL(/dashboard at (\S+)/.exec(printed.join(''))![1]!);
    const cookie = `mazepa_dashboard_${port}=${searchParams.get('token')}`;
    const frame = JSON.parse((await get(Number(port), '/api/snapshot', { cookie })).body);
    expect(frame.header).toMatchObject({
      submitted: 300,
      succeeded: 299,
      failed: 1,
      inFlight: 0,
      status: 'completed with failures',
    });
    expect(frame.operations).toEqual([expect.objectContaining({ name: 'dashboardSquare', succeeded: 299, failed: 1 })]);
    expect(frame.failures).toEqual([expect.objectContaining({ errorName: 'RangeError', firstLine: 'no 7', count: 1 })]);
    expect(frame.seconds.done.reduce((a: number, b: number) => a + b, 0)).toBe(300);
  });
});
