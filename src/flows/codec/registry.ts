import { CodecError } from './codec-error.js';

/**
 * How {@link registerClass} encodes and decodes instances of a class.
 *
 * @example
 * ```ts
 * import { registerClass, type RegisterClassOptions } from 'mazepa';
 * class Vec { constructor(readonly x = 0, readonly y = 0) {} }
 * const options: RegisterClassOptions<Vec> = { encode: (v) => [v.x, v.y] };
 * registerClass(Vec, { ...options, decode: (d) => new Vec(...(d as [number, number])) });
 * ```
 */
export interface RegisterClassOptions<T extends object> {
  /** The name the class travels under (default: `cls.name`); unique among registered classes. */
  readonly name?: string;
  /** Turns an instance into any encodable value (default: its own enumerable properties). */
  readonly encode?: (instance: T) => unknown;
  /** Rebuilds an instance from the decoded result of `encode` (default: sets the properties). */
  readonly decode?: (data: unknown) => T;
}

/** @internal A registered class. */
export interface ClassEntry {
  readonly cls: abstract new (...args: any[]) => object;
  readonly name: string;
  readonly encode: ((instance: object) => unknown) | undefined;
  readonly decode: ((data: unknown) => object) | undefined;
}

const byPrototype = new Map<object, ClassEntry>();
const byName = new Map<string, ClassEntry>();

/**
 * Lets instances of `cls` (exactly: subclasses need their own registration) be encoded and decoded.
 *
 * @example
 * ```ts
 * import { registerClass, decodeValue, encodeValue } from 'mazepa';
 * class Point { x = 0; y = 0; }
 * registerClass(Point);
 * decodeValue(encodeValue(new Point())) instanceof Point; // true
 * ```
 */
export function registerClass<T extends object>(
  cls: abstract new (...args: any[]) => T,
  options: RegisterClassOptions<T> = {},
): void {
  const prototype: unknown = typeof cls === 'function' ? cls.prototype : undefined;
  if (typeof prototype !== 'object' || prototype === null) {
    throw new CodecError('registerClass needs a class (a function with a prototype object)');
  }
  if (prototype === Object.prototype || prototype === Array.prototype) {
    throw new CodecError(`registerClass cannot register ${cls.name}: it is encoded as plain JSON`);
  }
  const name = options.name ?? cls.name;
  if (typeof name !== 'string' || name === '') {
    throw new CodecError('registerClass needs a name for an anonymous class: pass options.name');
  }
  const existing = byPrototype.get(prototype);
  if (existing !== undefined) {
    if (existing.name === name) return;
    throw new CodecError(`class ${cls.name} is already registered under the name ${JSON.stringify(existing.name)}`);
  }
  if (byName.has(name)) {
    throw new CodecError(`two different classes cannot be registered under the same name ${JSON.stringify(name)}`);
  }
  const entry: ClassEntry = {
    cls,
    name,
    encode: options.encode as ((instance: object) => unknown) | undefined,
    decode: options.decode,
  };
  byPrototype.set(prototype, entry);
  byName.set(name, entry);
}

/** @internal The registered class whose prototype is exactly `prototype`. */
export function classByPrototype(prototype: object): ClassEntry | undefined {
  return byPrototype.get(prototype);
}

/** @internal The registered class named `name`. */
export function classByName(name: string): ClassEntry | undefined {
  return byName.get(name);
}
