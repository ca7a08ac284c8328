import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { DashboardFrame } from './dashboard-frame.js';
import type { DashboardState } from './dashboard-state.js';
import { dashboardAssets } from './dashboard-assets.js';
import { SECURITY_HEADERS, allowedHosts, cookieName, plain, readCookie, sameToken } from './dashboard-security.js';

/** A page connected to the event stream. */
interface Client {
  readonly response: ServerResponse;
  /** A frame could not be written at once: deltas are dropped until the socket drains. */
  congested: boolean;
}

/** The HTTP side of a dashboard: the page, `/api/snapshot` and `/api/events` (SSE). @internal */
export class DashboardHttp {
  private readonly server: Server;
  private readonly clients = new Set<Client>();
  private readonly sockets = new Set<Socket>();
  /** Distinguishes this server's event ids from an earlier server's, after a restart. */
  private readonly epoch = randomBytes(4).toString('hex');
  private hosts = new Set<string>();
  private port = 0;
  private detached = false;

  constructor(
    private readonly state: DashboardState,
    private readonly token: string,
  ) {
    this.server = createServer((request, response) => this.handle(request, response));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      if (this.detached) socket.unref();
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** Listens; resolves to the port. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as { port: number }).port;
        this.hosts = allowedHosts(host, this.port);
        resolve(this.port);
      });
    });
  }

  /** Sends a delta to every page that keeps up; a congested page gets the full state once it drains. */
  broadcast(frame: DashboardFrame): void {
    for (const client of this.clients) {
      if (client.congested) continue;
      if (!this.write(client, frame)) client.congested = true;
    }
  }

  /** The run is over: the server no longer keeps the process alive (the page shows the end state). */
  detach(): void {
    this.detached = true;
    this.server.unref();
    for (const socket of this.sockets) socket.unref();
  }

  /** Closes every connection and the server. */
  close(): Promise<void> {
    for (const client of this.clients) client.response.end();
    this.clients.clear();
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private write(client: Client, frame: DashboardFrame): boolean {
    const id = `${this.epoch}-${frame.seq}`;
    return client.response.write(
      `id: ${id}\nevent: ${frame.full ? 'full' : 'delta'}\ndata: ${JSON.stringify(frame)}\n\n`,
    );
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    if (!this.hosts.has(String(request.headers.host ?? '').toLowerCase())) {
      plain(response, 421, 'Misdirected request: this dashboard answers only to its own host name.');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      plain(response, 405, 'Method not allowed.', { Allow: 'GET, HEAD' });
      return;
    }
    const url = new URL(request.url ?? '/', 'http://dashboard.invalid');
    const name = cookieName(this.port);
    const given = url.searchParams.get('token');
    if (given !== null) {
      if (!sameToken(given, this.token)) {
        plain(response, 403, 'Wrong token: open the URL the run printed.');
        return;
      }
      // The token leaves the address bar (and history) for a cookie scripts cannot read.
      response.writeHead(303, {
        ...SECURITY_HEADERS,
        'Set-Cookie': `${name}=${this.token}; HttpOnly; SameSite=Strict; Path=/`,
        Location: url.pathname,
      });
      response.end();
      return;
    }
    if (!sameToken(readCookie(request, name), this.token)) {
      plain(response, 401, 'No session: open the URL the run printed (with its token).');
      return;
    }
    if (url.pathname === '/api/snapshot') {
      response.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(this.state.frame(true)));
      return;
    }
    if (url.pathname === '/api/events') {
      this.stream(request, response);
      return;
    }
    const asset = dashboardAssets().get(url.pathname);
    if (asset === undefined) {
      plain(response, 404, 'Not found.');
      return;
    }
    response.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': asset.type, 'Content-Length': asset.body.length });
    response.end(request.method === 'HEAD' ? undefined : asset.body);
  }

  private stream(request: IncomingMessage, response: ServerResponse): void {
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
    });
    response.write('retry: 1000\n\n');
    const client: Client = { response, congested: false };
    this.clients.add(client);
    // A page that saw the last delta of this very server needs nothing more; any other gets it all.
    const last = request.headers['last-event-id'];
    if (last !== `${this.epoch}-${this.state.lastSeq}`) {
      if (!this.write(client, this.state.frame(true))) client.congested = true;
    }
    response.on('drain', () => {
      if (!client.congested) return;
      client.congested = false;
      if (!this.write(client, this.state.frame(true))) client.congested = true;
    });
    response.on('close', () => this.clients.delete(client));
  }
}
