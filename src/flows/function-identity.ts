import { MazepaError } from './errors.js';
import { digest } from './ids.js';

/** Per function: a digest of its source text, and its first line (for error messages). */
const sources = new WeakMap<object, { readonly digest: string; readonly preview: string }>();
/** Per name a task took from its function: the source digest first seen under it, and a preview. */
const named = new Map<string, { readonly digest: string; readonly preview: string }>();

/**
 * Checks that `fn`, about to name a task by its own `name` (no `operationName` given), is the
 * only different function to do so in this process: task ids come from the name and the
 * arguments, so two different functions under one name would share ids, and one would silently
 * get the other's result. Functions with the same source text count as the same (a closure made
 * again); a bound function's target cannot be seen, so it must be given a name. Throws a
 * `MazepaError` naming both functions.
 *
 * @internal
 */
export function checkFunctionIdentity(fn: (...args: never[]) => unknown, name: string): void {
  if (name.startsWith('bound ')) {
    throw new MazepaError(
      `Task: fn is a bound function ('${name}'), which cannot be told apart from other bound functions; ` +
        "pass option 'operationName' (or 'id')",
    );
  }
  const source = sourceOf(fn);
  const first = named.get(name);
  if (first === undefined) named.set(name, source);
  else if (first.digest !== source.digest) {
    throw new MazepaError(
      `Task: two different functions are both named '${name}' (${first.preview} and ${source.preview}), so ` +
        "their tasks would get the same ids; pass option 'operationName' to tell them apart " +
        '(or make them operations with taskableOperation)',
    );
  }
}

function sourceOf(fn: (...args: never[]) => unknown): { digest: string; preview: string } {
  let source = sources.get(fn);
  if (source === undefined) {
    const text = Function.prototype.toString.call(fn);
    const line = text.split('\n', 1)[0]!.trim();
    source = { digest: digest(text), preview: `\`${line.length > 60 ? `${line.slice(0, 60)}…` : line}\`` };
    sources.set(fn, source);
  }
  return source;
}
