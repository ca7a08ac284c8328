import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MazepaError } from '../../flows/errors.js';
import type { HeartbeatCommand, HeartbeatReport, HeartbeatThreadData } from './heartbeat-thread-message.js';

/** @internal The heartbeat thread, started: commands go in, failures come out. */
export interface HeartbeatThread {
  send(command: HeartbeatCommand): void;
  /** Ends the thread; resolves once it has ended. */
  stop(): Promise<void>;
}

/**
 * @internal Starts the heartbeat thread and resolves once it is ready to hold messages.
 * `onFailed` gets each ChangeMessageVisibilityBatch call that failed (its message and action);
 * `onCrash` the error if the thread itself fails or ends on its own later on.
 */
export function startHeartbeatThread(
  data: HeartbeatThreadData,
  onFailed: (failed: { message: string; operation: string }) => void,
  onCrash: (error: Error) => void,
): Promise<HeartbeatThread> {
  const thread = spawn(data);
  thread.unref(); // never what keeps a process alive
  let stopping = false;
  return new Promise<HeartbeatThread>((resolve, reject) => {
    let ready = false;
    const crashed = (error: Error): void => {
      if (stopping) return;
      stopping = true;
      if (ready) onCrash(error);
      else reject(error);
    };
    thread.on('error', crashed);
    thread.on('exit', (code) => crashed(new MazepaError(`the heartbeat thread exited with code ${code}`)));
    thread.on('message', (report: HeartbeatReport) => {
      if ('failed' in report) return onFailed(report.failed);
      ready = true;
      resolve({
        send: (command) => thread.postMessage(command),
        stop: async () => {
          stopping = true;
          await thread.terminate();
        },
      });
    });
  });
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
