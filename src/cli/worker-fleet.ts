import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';
import { EXIT } from './exit-codes.js';

/** A worker process as the supervisor sees it (a `ChildProcess`, or a stand-in in tests). @internal */
export type WorkerChild = Pick<ChildProcess, 'pid' | 'stdout' | 'stderr' | 'kill' | 'once'>;

/** Options of {@link superviseWorkers}. @internal */
export interface FleetOptions {
  /** How many worker processes to keep running. */
  readonly processes: number;
  /** The command line of one worker process: the program, then its arguments. */
  readonly command: readonly string[];
  /** The supervisor's own lines. */
  readonly log: (line: string) => void;
  /** A line a worker printed: `[w<n>] ` is put in front of it, on the stream it came from. */
  readonly forward: (stream: 'stdout' | 'stderr', line: string) => void;
  /** Restarts of one worker in a row before it is given up. @default 5 */
  readonly maxRestarts?: number;
  /** A worker that ran this long before it died starts a new row of restarts. @default 60000 */
  readonly healthyAfterMs?: number;
  /** Starts a worker process. @default `spawn`, each in its own process group */
  readonly spawn?: (command: readonly string[]) => WorkerChild;
  /** Times the restarts. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

/** A running fleet of worker processes. @internal */
export interface WorkerFleet {
  /**
   * The exit code, once every worker has exited: 0 stopped (or all stopped by themselves), 1 a
   * worker was given up and none is left running, 2 a worker's command line is wrong.
   */
  readonly exited: Promise<number>;
  /** Stops the workers (SIGTERM to each); called again, ends them at once. */
  stop(): void;
}

/**
 * @internal The delay before the `n`th restart in a row of a worker: at once, then 1 s, 2 s, 4 s …
 * up to 30 s.
 */
export function restartDelayMs(n: number): number {
  return n <= 1 ? 0 : Math.min(30_000, 1000 * 2 ** (n - 2));
}

/**
 * Runs `processes` worker processes and keeps them running: one that dies (a crash, an OOM kill,
 * `kill -9`) is started again, at once the first time, then after a growing delay; after
 * `maxRestarts` restarts in a row it is given up. A worker that exits 0 (it stopped by itself:
 * `--idle-timeout`, `--max-runtime`) is not restarted; one that exits 2 (bad usage) stops them
 * all. `stop()` sends every worker SIGTERM (finish the running tasks, then exit; a second
 * `stop()` sends it again, which ends them at once); `exited` resolves once they all have. Each
 * worker runs in its own process group, so a Ctrl-C on the terminal reaches the supervisor
 * only, which passes it on once.
 * @internal wired by `mazepa worker --processes N`
 */
export function superviseWorkers(options: FleetOptions): WorkerFleet {
  const { processes, command, log, forward } = options;
  const maxRestarts = options.maxRestarts ?? 5;
  const healthyAfterMs = options.healthyAfterMs ?? 60_000;
  const start = options.spawn ?? spawnWorker;
  const scheduler = options.scheduler ?? asyncScheduler;
  interface Slot {
    readonly name: string;
    child: WorkerChild | undefined;
    startedAt: number;
    restarts: number;
    pending: Subscription | undefined;
    /** Stopped for good: by itself, given up, or told to. */
    over: boolean;
  }
  const slots: Slot[] = Array.from({ length: processes }, (_, i) => ({
    name: `w${i + 1}`,
    child: undefined,
    startedAt: 0,
    restarts: 0,
    pending: undefined,
    over: false,
  }));
  let stopping = false;
  let gaveUp = false;
  let usage = false;
  let stop = (): void => undefined;
  const exited = new Promise<number>((resolve) => {
    const finishIfOver = (): void => {
      if (!slots.every((s) => s.over && s.child === undefined)) return;
      resolve(usage ? EXIT.usage : stopping ? EXIT.done : gaveUp ? EXIT.failed : EXIT.done);
    };
    const run = (slot: Slot): void => {
      slot.pending = undefined;
      const child = start(command);
      slot.child = child;
      slot.startedAt = scheduler.now();
      for (const stream of ['stdout', 'stderr'] as const) {
        const input = child[stream];
        if (input) createInterface({ input }).on('line', (line) => forward(stream, `[${slot.name}] ${line}`));
      }
      // 'close' comes once the output is read to its end, unlike 'exit'.
      child.once('close', (code: number | null, killedBy: NodeJS.Signals | null) =>
        exited(slot, child, code, killedBy),
      );
      child.once('error', (error: Error) => log(`mazepa worker: ${slot.name} could not start: ${error.message}`));
    };
    const exited = (slot: Slot, child: WorkerChild, code: number | null, killedBy: NodeJS.Signals | null): void => {
      slot.child = undefined;
      const how = killedBy === null ? `exited with code ${code}` : `was killed by ${killedBy}`;
      const who = `${slot.name} (pid ${child.pid ?? '?'})`;
      if (stopping || code === EXIT.done) {
        if (!stopping) log(`mazepa worker: ${who} stopped by itself; not restarted`);
        slot.over = true;
      } else if (code === EXIT.usage) {
        log(`mazepa worker: ${who} exited with code 2 (bad usage): stopping every worker`);
        usage = true;
        slot.over = true;
        stopAll();
      } else {
        if (scheduler.now() - slot.startedAt >= healthyAfterMs) slot.restarts = 0;
        slot.restarts++;
        if (slot.restarts > maxRestarts) {
          log(`mazepa worker: ${who} ${how}; given up after ${maxRestarts} restart(s) in a row`);
          gaveUp = true;
          slot.over = true;
        } else {
          const delay = restartDelayMs(slot.restarts);
          log(
            `mazepa worker: ${who} ${how}; restarting it ${delay === 0 ? 'now' : `in ${delay / 1000} s`} ` +
              `(restart ${slot.restarts} of ${maxRestarts} in a row)`,
          );
          slot.pending = scheduler.schedule(() => run(slot), delay);
        }
      }
      finishIfOver();
    };
    function stopAll(): void {
      const again = stopping;
      stopping = true;
      for (const slot of slots) {
        slot.pending?.unsubscribe();
        slot.pending = undefined;
        slot.over = true;
        slot.child?.kill('SIGTERM');
      }
      const running = slots.filter((s) => s.child !== undefined).length;
      if (running > 0) {
        log(
          again
            ? `mazepa worker: stopping ${running} worker process(es) at once`
            : `mazepa worker: stopping ${running} worker process(es): each finishes its running tasks`,
        );
      }
      finishIfOver();
    }
    stop = stopAll;
    log(`mazepa worker: supervising ${processes} worker process(es)`);
    for (const slot of slots) run(slot);
  });
  return { exited, stop: () => stop() };
}

function spawnWorker(command: readonly string[]): WorkerChild {
  const [program, ...args] = command;
  return spawn(program!, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
}
