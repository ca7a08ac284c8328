import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeValue } from '../flows/describe-value.js';
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
  const operation = operationKind(value);
  if (operation !== undefined) {
    throw new UsageError(
      `export '${exportName}' of ${modulePath} is ${operation}, which makes tasks but is not a flow; ` +
        'export a flow schema whose flow yields its tasks (or a function that returns a Flow or Task), ' +
        'and run that',
    );
  }
  if (typeof value !== 'function') {
    throw new UsageError(
      `export '${exportName}' of ${modulePath} is ${describe(value)}; it must be a Flow, a flow schema, ` +
        'or a function that returns a flow',
    );
  }
  if (isClass(value)) {
    throw new UsageError(
      `export '${exportName}' of ${modulePath} is the class ${value.name || '(anonymous)'}; it must be a Flow, ` +
        'a flow schema, or a function that returns a flow',
    );
  }
  const made: unknown = await (value as (...a: unknown[]) => unknown)(...(args ?? []));
  if (!isTarget(made)) {
    throw new UsageError(
      `export '${exportName}' of ${modulePath} returned ${describe(made)}; it must return a Flow, a Task or an array of them` +
        (made instanceof Object && 'id' in made ? " (is 'mazepa' loaded twice, from two places?)" : '') +
        (Object.prototype.toString.call(made) === '[object Generator]'
          ? ` (it is a generator function: wrap it with flowSchema and export that, e.g. export const ${exportName} = flowSchema(function* ...))`
          : ''),
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
  return describeValue(value);
}

/** What kind of operation `value` is (a taskable operation, its class, or an instance), if one. */
function operationKind(value: unknown): string | undefined {
  if (typeof value !== 'function' && (typeof value !== 'object' || value === null)) return undefined;
  const name = (value as { operationName?: unknown }).operationName;
  if (typeof value === 'function' && typeof name === 'string') {
    return typeof (value as { makeTask?: unknown }).makeTask === 'function'
      ? `the taskable operation '${name}' (a function made with taskableOperation)`
      : `the taskable operation class '${name}' (made with taskableOperationCls)`;
  }
  if (typeof value === 'object' && typeof (value as { makeTask?: unknown }).makeTask === 'function') {
    return `an instance of the operation class ${value!.constructor?.name ?? '(anonymous)'}`;
  }
  return undefined;
}

function isClass(value: unknown): value is abstract new (...args: never[]) => unknown {
  return typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value));
}
