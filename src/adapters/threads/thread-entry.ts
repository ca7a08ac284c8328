/**
 * The module every worker thread of `ThreadExecutionQueue` loads (piscina calls its default
 * export once per attempt). It imports the user's operation modules first, so that their
 * `taskableOperation` and `taskableOperationCls` calls register the operations by name.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { MazepaError } from '../../flows/errors.js';
import { serializeError } from '../../flows/serialized-error.js';
import { runThreadTask } from './run-thread-task.js';
import { STARTED_KEY, type ThreadTaskMessage, type ThreadTaskResult, type ThreadWorkerData } from './thread-message.js';

const { imports } = workerData as ThreadWorkerData;

const commonJsRequire = typeof __filename === 'string' ? createRequire(__filename) : undefined;

/**
 * Loads a module. When mazepa runs from its TypeScript sources (its own tests), this module was
 * compiled to CommonJS by tsx's require hook, the one loader hook that works in worker threads on
 * Node 20; the user's modules then load through `require` too, so that they share this module's
 * operation registry.
 */
function load(specifier: string): Promise<unknown> {
  if (commonJsRequire !== undefined && specifier.startsWith('file:')) {
    const required = commonJsRequire;
    return Promise.resolve().then(() => required(fileURLToPath(specifier)) as unknown);
  }
  return import(specifier);
}

async function loadImports(): Promise<void> {
  for (const specifier of imports) {
    try {
      await load(specifier);
    } catch (error) {
      throw new MazepaError(`ThreadExecutionQueue: a worker thread could not import '${specifier}'`, { cause: error });
    }
  }
}

// Started as the thread boots, so the modules load while the pool warms up.
const ready = loadImports();
ready.catch(() => {});

/** Runs one attempt; a module that failed to import fails every attempt with that error. @internal */
export default async function runInThread(message: ThreadTaskMessage): Promise<ThreadTaskResult> {
  try {
    await ready;
  } catch (error) {
    return { error: serializeError(error), executionSecs: 0 };
  }
  // Only the main thread's watchdog needs to know when an attempt starts.
  if (message.runtimeLimitMs !== undefined) parentPort?.postMessage({ [STARTED_KEY]: message.key });
  return runThreadTask(message);
}
