/**
 * The shape of encoded values and the constants of the tag scheme.
 *
 * Plain JSON values encode as themselves. Anything else becomes a tagged object
 * `{ "$t": <tag>, "v": <payload> }` (registered classes add `"c": <class name>`), and a plain
 * object that has its own `"$t"` key is escaped as `{ "$t": "obj", "v": <the object> }`, so
 * user data can never be mistaken for a tag.
 */

/**
 * A JSON-compatible encoded value: plain objects, arrays, strings, finite numbers, booleans, null.
 * It may share subtrees with the value it encodes, so treat it as read-only.
 *
 * @example
 * ```ts
 * import { encodeValue, type Encoded } from 'mazepa';
 * const tree: Encoded = encodeValue([new Date(0)]); // [{ $t: 'date', v: 0 }]
 * ```
 */
export type Encoded = null | boolean | number | string | readonly Encoded[] | { readonly [key: string]: Encoded };

/** @internal Encodes or decodes a child value found at nesting `depth`. */
export type Recurse<T> = (value: unknown, depth: number) => T;

/** @internal The key holding the tag of a tagged object. */
export const TAG_KEY = '$t';

/** @internal The deepest nesting (of values encoded as JSON objects or arrays) accepted. */
export const MAX_DEPTH = 512;

/** @internal The encoding of `undefined`. */
export const UNDEFINED_TAG: Encoded = Object.freeze({ $t: 'undef' });

/** @internal The encodings of the numbers JSON cannot hold. */
export const NUMBER_TAGS = {
  nan: Object.freeze({ $t: 'num', v: 'NaN' }),
  inf: Object.freeze({ $t: 'num', v: 'Infinity' }),
  negInf: Object.freeze({ $t: 'num', v: '-Infinity' }),
  negZero: Object.freeze({ $t: 'num', v: '-0' }),
} as const satisfies Record<string, Encoded>;

/** @internal Whether `n` is a number JSON holds exactly (finite and not `-0`). */
export function isJsonNumber(n: number): boolean {
  return n - n === 0 && (n !== 0 || 1 / n > 0);
}
