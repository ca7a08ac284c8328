import { Observable, asyncScheduler, type SchedulerLike } from 'rxjs';
import type { ExecutionEvent } from '../streams/execution-event.js';
import type { QueueDepth } from '../streams/queue-depth.js';
import { aggregateEvents } from './aggregate-events.js';
import { DashboardHttp } from './dashboard-server.js';
import { DashboardState, type CountsSource } from './dashboard-state.js';
import { newToken } from './dashboard-security.js';
import { checkDashboardOptions } from './dashboard-options.js';

/** Options of {@link serveDashboard}. */
export interface DashboardOptions {
  /** The port; 0 takes any free one. @default 0 */
  readonly port?: number;
  /**
   * The address to bind. Another than the loopback only with a reason: anyone who can reach it
   * and learns the token sees the run. Prefer an SSH tunnel. @default '127.0.0.1'
   */
  readonly host?: string;
  /** The session token (32 or more hex digits). @default 128 random bits */
  readonly token?: string;
  /** Print the URL (with its token) to stderr once the page is up. @default true */
  readonly print?: boolean;
  /** Called once the page is up, with its URL and a way to stop serving it. */
  readonly onListening?: (server: DashboardServer) => void;
  /** Asked every few seconds, when given: where the queue's messages are. */
  readonly depth?: () => Promise<QueueDepth>;
  /** The scheduler of the once-a-second updates. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

/** A dashboard being served. */
export interface DashboardServer {
  /** The page's URL, with the token that opens it. */
  readonly url: string;
  readonly port: number;
  /** Stops serving the page and closes every connection. */
  close(): Promise<void>;
}

const DEPTH_EVERY_TICKS = 5;

/**
 * Serves a live page of a run: mirrors `events` (any `execution()` Observable) unchanged, and
 * while subscribed serves progress per operation, throughput, failures grouped by error and
 * workers on `http://127.0.0.1:<port>/` behind a random token. The URL is printed once the page is
 * up. When the run ends the page keeps its final state, and the server no longer keeps the
 * process alive. At most one update a second reaches a page, whatever the number of tasks.
 *
 * @example
 * ```ts
 * import { execution, serveDashboard } from 'mazepa';
 * serveDashboard(execution(flow), { port: 8787 }).subscribe({
 *   complete: () => console.log('done; the page shows the final state'),
 * });
 * ```
 */
export function serveDashboard(
  events: Observable<ExecutionEvent>,
  options: DashboardOptions = {},
): Observable<ExecutionEvent> {
  return serveRun(events, options);
}

/**
 * @internal {@link serveDashboard}, reading the counts from `counts` (the engine's counters)
 * rather than from the events when given: `execute` does so, and then needs no event per task.
 */
export function serveRun(
  events: Observable<ExecutionEvent>,
  options: DashboardOptions,
  counts?: CountsSource,
): Observable<ExecutionEvent> {
  checkDashboardOptions(options, 'serveDashboard');
  const host = options.host ?? '127.0.0.1';
  const scheduler = options.scheduler ?? asyncScheduler;
  return new Observable<ExecutionEvent>((subscriber) => {
    const token = options.token ?? newToken();
    const state = new DashboardState(() => Date.now(), counts);
    const http = new DashboardHttp(state, token);
    let ticks = 0;
    let asking = false;
    const askDepth = (): void => {
      if (options.depth === undefined || asking || ticks++ % DEPTH_EVERY_TICKS !== 0) return;
      asking = true;
      options
        .depth()
        .then((depth) => state.setQueueDepth(depth))
        .catch(() => undefined) // a depth the queue cannot tell now is shown as it was
        .finally(() => (asking = false));
    };
    let ended = false;
    http.listen(host, options.port ?? 0).then(
      (port) => {
        const shown = host.includes(':') ? `[${host}]` : host;
        const server: DashboardServer = {
          url: `http://${shown}:${port}/?token=${token}`,
          port,
          close: () => http.close(),
        };
        if (ended) http.detach();
        if (options.print !== false) process.stderr.write(`mazepa: dashboard at ${server.url}\n`);
        options.onListening?.(server);
      },
      (error: Error) =>
        subscriber.error(
          new Error(`mazepa: the dashboard cannot listen on ${host}:${options.port ?? 0} (${error.message})`, {
            cause: error,
          }),
        ),
    );
    const run = events
      .pipe(
        aggregateEvents({
          state,
          scheduler,
          onFrame: (frame) => {
            askDepth();
            http.broadcast(frame);
          },
        }),
      )
      .subscribe(subscriber);
    return () => {
      run.unsubscribe();
      ended = true;
      http.detach();
    };
  });
}
