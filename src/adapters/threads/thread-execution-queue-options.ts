import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkOptionKeys, type KnownOptions } from '../../flows/option-keys.js';
import { checkResources, type ResourceUse } from '../../flows/resources.js';
import { MAX_TIMER_MS } from '../../flows/task.js';

/** Options of {@link ThreadExecutionQueue}. */
export interface ThreadExecutionQueueOptions {
  /** How many worker threads run tasks at once. @default os.availableParallelism() */
  readonly threads?: number;
  /**
   * The modules that define the operations, loaded in every thread before it runs a task (their
   * `taskableOperation` / `taskableOperationCls` calls register the operations there). Paths
   * (relative ones from the working directory), `file:` URLs or package names. Keep operations
   * in modules of their own: a module that calls `execute` at its top level would run it again
   * in every thread.
   */
  readonly imports: readonly (string | URL)[];
  /**
   * Node options of the threads, e.g. `['--import', 'tsx']` for operations written in
   * TypeScript. @default the process's own `execArgv`
   */
  readonly execArgv?: readonly string[];
  /**
   * Milliseconds past a task's `runtimeLimitMs` after which a thread still running it is
   * terminated (and replaced). An async task is aborted through its signal at the limit itself;
   * this catches synchronous code that never yields. @default 1000
   */
  readonly terminateGraceMs?: number;
  /**
   * Units of each named resource that running tasks may use at once (e.g. `{ gpu: 1 }`); tasks
   * declare theirs with the `resources` option of their operation. A task that waits for a
   * resource does not hold up tasks that need other ones, nor take a thread. @default no limits
   */
  readonly resourceLimits?: ResourceUse;
}

/** The options with their defaults applied. @internal */
export interface ResolvedThreadOptions {
  readonly threads: number;
  readonly imports: readonly string[];
  readonly execArgv: readonly string[] | undefined;
  readonly terminateGraceMs: number;
  readonly resourceLimits: ResourceUse | undefined;
}

const OWNER = 'ThreadExecutionQueue';

const KNOWN: KnownOptions<ThreadExecutionQueueOptions> = {
  threads: true,
  imports: true,
  execArgv: true,
  terminateGraceMs: true,
  resourceLimits: true,
};

/** Validates the options and applies the defaults. @internal */
export function resolveThreadOptions(options: ThreadExecutionQueueOptions): ResolvedThreadOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${OWNER}: options must be an object with at least 'imports', received ${String(options)}`);
  }
  checkOptionKeys(OWNER, options, KNOWN);
  const threads = options.threads ?? availableParallelism();
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1) {
    throw new TypeError(`${OWNER}: option 'threads' must be a whole number >= 1, received ${String(threads)}`);
  }
  const { imports, execArgv } = options;
  if (!Array.isArray(imports)) {
    throw new TypeError(
      `${OWNER}: option 'imports' must be an array of module paths or URLs, received ${String(imports)}`,
    );
  }
  const resolved = imports.map((specifier: unknown, i) => {
    if (specifier instanceof URL) return specifier.href;
    if (typeof specifier !== 'string' || specifier === '') {
      throw new TypeError(
        `${OWNER}: option 'imports[${i}]' must be a module path or URL, received ${String(specifier)}`,
      );
    }
    return resolveSpecifier(specifier);
  });
  if (execArgv !== undefined && !(Array.isArray(execArgv) && execArgv.every((a) => typeof a === 'string'))) {
    throw new TypeError(`${OWNER}: option 'execArgv' must be an array of strings, received ${String(execArgv)}`);
  }
  const terminateGraceMs = options.terminateGraceMs ?? 1000;
  if (typeof terminateGraceMs !== 'number' || !(terminateGraceMs >= 0) || !(terminateGraceMs <= MAX_TIMER_MS)) {
    throw new TypeError(
      `${OWNER}: option 'terminateGraceMs' must be a number >= 0 and at most ${MAX_TIMER_MS}, received ${String(terminateGraceMs)}`,
    );
  }
  const resourceLimits =
    options.resourceLimits === undefined ? undefined : checkResources(OWNER, 'resourceLimits', options.resourceLimits);
  return { threads, imports: resolved, execArgv, terminateGraceMs, resourceLimits };
}

/** A path becomes a `file:` URL (from the working directory); URLs and package names stay. */
function resolveSpecifier(specifier: string): string {
  const isPath =
    isAbsolute(specifier) || specifier.startsWith('./') || specifier.startsWith('../') || specifier.startsWith('.\\');
  if (isPath) return pathToFileURL(resolve(specifier)).href;
  return specifier;
}
