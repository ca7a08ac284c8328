import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Flow } from '../flows/flow.js';
import { Task } from '../flows/task.js';
import type { ExecutionTarget } from '../execute.js';
import { UsageError } from './usage-error.js';

/**
 * Loads `modulePath` (relative to the working directory) and makes the target of `mazepa run`
 * from its export `exportName`: a `Flow` (or a task, or an array of them) as it is, or a flow
 * schema or function called with `args` (its result may be a Promise).
 *
 * @internal
 */
export async function loadTarget(
  modulePath: string,
  exportName: string,
  args: readonly unknown[] | undefined,
): Promise<ExecutionTarget> {
  const file = resolve(modulePath);
  if (!existsSync(file)) throw new UsageError(`module ${modulePath} not found (looked for ${file})`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint =
      code === 'ERR_UNKNOWN_FILE_EXTENSION'
        ? ' (to load TypeScript, run with `node --import tsx`, or a Node that strips types)'
        : '';
    throw new UsageError(`module ${modulePath} could not be loaded: ${(error as Error).message}${hint}`);
  }
  if (!(exportName in mod)) {
    const names = Object.keys(mod).filter((k) => k !== '__esModule');
    throw new UsageError(
      `module ${modulePath} has no export '${exportName}'; its exports are: ${names.join(', ') || '(none)'}` +
        (exportName === 'default' ? ' (choose one with --export NAME)' : ''),
    );
  }
  const value = mod[exportName];
  if (isTarget(value)) {
    if (args !== undefined) throw new UsageError(`--args: export '${exportName}' is a ${kind(value)}, not a function`);
    return value;
  }
  if (typeof value !== 'function') {
    throw new UsageError(
      `export '${exportName}' of ${modulePath} is ${describe(value)}; it must be a Flow, a flow schema, ` +
        'or a function that returns a flow',
    );
  }
  const made: unknown = await (value as (...a: unknown[]) => unknown)(...(args ?? []));
  if (!isTarget(made)) {
    throw new UsageError(
      `export '${exportName}' of ${modulePath} returned ${describe(made)}; it must return a Flow, a Task or an array of them` +
        (made instanceof Object && 'id' in made ? " (is 'mazepa' loaded twice, from two places?)" : ''),
    );
  }
  return made;
}

/** Parses `--args`: a JSON array of arguments. @internal */
export function parseArgs(json: string | undefined): unknown[] | undefined {
  if (json === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new UsageError(
      `--args must be a JSON array, and ${JSON.stringify(json)} is not JSON: ${(error as Error).message}`,
    );
  }
  if (!Array.isArray(value)) throw new UsageError(`--args must be a JSON array of arguments, received ${json}`);
  return value;
}

function isTarget(value: unknown): value is ExecutionTarget {
  if (value instanceof Flow || value instanceof Task) return true;
  return Array.isArray(value) && value.length > 0 && value.every((v) => v instanceof Flow || v instanceof Task);
}

function kind(value: ExecutionTarget): string {
  return value instanceof Flow ? 'Flow' : value instanceof Task ? 'Task' : 'array';
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return `an object of class ${value.constructor?.name ?? 'Object'}`;
  return `a ${typeof value}`;
}
