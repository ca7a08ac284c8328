/**
 * Names what a value is, for errors about a value given in the wrong place: "a generator object",
 * "a Promise", "the function 'f'", "an object of class X", "a number".
 *
 * @internal
 */
export function describeValue(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  const tag = Object.prototype.toString.call(value);
  if (tag === '[object Generator]') return 'a generator object';
  if (tag === '[object AsyncGenerator]') return 'an async generator object';
  if (value instanceof Promise) return 'a Promise';
  if (typeof value === 'function') {
    const name = (value as { name?: string }).name;
    return name ? `the function '${name}'` : 'a function';
  }
  if (typeof value === 'object') return `an object of class ${value.constructor?.name ?? 'Object'}`;
  return `a ${typeof value}`;
}

/**
 * What to do instead, when a flow yielded `value` or `execute` was given it: empty when there is
 * nothing more to say than what it is.
 *
 * @internal
 */
export function misuseHint(value: unknown, where: 'yield' | 'target'): string {
  const tag = Object.prototype.toString.call(value);
  if (tag === '[object Generator]') {
    return where === 'yield'
      ? '; did you mean `yield*`? (`const v = yield* task.result()`)'
      : '; pass a Flow instead: `new Flow(genFn)`, or make genFn a flow schema with `flowSchema(genFn)` and call it';
  }
  if (tag === '[object AsyncGenerator]') return '; flows are plain `function*` generators, not `async function*`';
  if (value instanceof Promise) return '; await it first';
  if (typeof value === 'function' && where === 'target') {
    return '; call it (a flow schema returns a Flow), or wrap a generator function: `new Flow(fn)`';
  }
  return '';
}
