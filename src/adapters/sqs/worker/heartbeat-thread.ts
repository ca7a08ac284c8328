import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MazepaError } from '../../../flows/errors.js';
import type { HeartbeatCommand, HeartbeatReport, HeartbeatThreadData } from './heartbeat-thread-message.js';

/** @internal The heartbeat thread, started: commands go in, failures come out. */
export interface HeartbeatThread {
  send(command: HeartbeatCommand): void;
  /** Resolves once the thread has loaded and beats; rejects if it fails before that. */
  readonly ready: Promise<void>;
  /** Ends the thread; resolves once it has ended. */
  stop(): Promise<void>;
}

/**
 * @internal Starts the heartbeat thread; `ready` resolves once it has loaded and beats, or
 * rejects if it fails before. `onFailed` gets each ChangeMessageVisibilityBatch call that failed
 * (its message and action); `onCrash` the error if the thread fails, or ends on its own, later.
 */
export function startHeartbeatThread(
  data: HeartbeatThreadData,
  onFailed: (failed: { message: string; operation: string }) => void,
  onCrash: (error: Error) => void,
): HeartbeatThread {
  const thread = spawn(data);
  thread.unref(); // never what keeps a process alive
  let loaded = false;
  let ended = false;
  let settle!: { resolve: () => void; reject: (error: Error) => void };
  const ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  const crashed = (error: Error): void => {
    if (ended) return;
    ended = true;
    if (loaded) onCrash(error);
    else settle.reject(error);
  };
  thread.on('error', crashed);
  thread.on('exit', (code) => crashed(new MazepaError(`the heartbeat thread exited with code ${code}`)));
  thread.on('message', (report: HeartbeatReport) => {
    if ('failed' in report) return onFailed(report.failed);
    loaded = true;
    settle.resolve();
  });
  return {
    ready,
    send: (command) => {
      if (!ended) thread.postMessage(command);
    },
    stop: async () => {
      ended = true;
      settle.resolve(); // nobody waits for a thread stopped
      await thread.terminate();
    },
  };
}

/**
 * The thread's module beside this one: compiled, or its TypeScript source when mazepa runs
 * from sources (its own tests). Node 20's worker threads take no ESM loader hooks, so a source
 * module is loaded through tsx's require hook.
 */
function spawn(workerData: HeartbeatThreadData): Worker {
  const fromSources = import.meta.url.endsWith('.ts');
  const url = new URL(`./heartbeat-thread-entry.${fromSources ? 'ts' : 'js'}`, import.meta.url);
  if (!fromSources) return new Worker(url, { workerData });
  const load = `require('tsx/cjs'); require(${JSON.stringify(fileURLToPath(url))});`;
  return new Worker(load, { eval: true, workerData });
}
