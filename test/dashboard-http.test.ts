import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEVER, of, concat, type Subscription } from 'rxjs';
import { serveDashboard, type DashboardServer, type ExecutionEvent } from 'mazepa';

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
