/**
 * Strict readers of envelope fields: each checks a field's type and names it when it is wrong.
 */
import type { Encoded } from '../../flows/codec/encoded.js';
import { EnvelopeError } from './envelope-error.js';

/** @internal A parsed JSON object, checked to be plain. */
export type Fields = Readonly<Record<string, unknown>>;

/** @internal `value` as a plain object without a `__proto__` key, and only `allowed` keys. */
export function plainObject(value: unknown, what: string, allowed: ReadonlySet<string>): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new EnvelopeError(`${what} must be a JSON object, not ${describe(value)}`);
  }
  if (Object.hasOwn(value, '__proto__')) throw new EnvelopeError(`${what} has the forbidden key "__proto__"`);
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) throw new EnvelopeError(`${what} has the unknown field ${JSON.stringify(key)}`);
  }
  return value as Fields;
}

/** @internal A required non-empty string field, at most `max` characters. */
export function stringField(fields: Fields, key: string, what: string, max = 4096): string {
  const value = fields[key];
  if (typeof value !== 'string' || value === '' || value.length > max) {
    throw new EnvelopeError(
      `${what} field "${key}" must be a non-empty string of at most ${max} characters, not ${describe(value)}`,
    );
  }
  return value;
}

/** @internal An optional string field (any length up to `max`, may be empty). */
export function optionalString(fields: Fields, key: string, what: string, max: number): string | undefined {
  const value = fields[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > max) {
    throw new EnvelopeError(
      `${what} field "${key}" must be a string of at most ${max} characters, not ${describe(value)}`,
    );
  }
  return value;
}

/** @internal A required whole number field >= `min`. */
export function intField(fields: Fields, key: string, what: string, min: number): number {
  const value = fields[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new EnvelopeError(`${what} field "${key}" must be a whole number >= ${min}, not ${describe(value)}`);
  }
  return value;
}

/** @internal An optional finite number field >= 0 (or > 0 when `positive`). */
export function optionalNumber(fields: Fields, key: string, what: string, positive: boolean): number | undefined {
  const value = fields[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (positive && value === 0)) {
    throw new EnvelopeError(
      `${what} field "${key}" must be a number ${positive ? '> 0' : '>= 0'}, not ${describe(value)}`,
    );
  }
  return value;
}

/** @internal A field holding an encoded array (the codec checks its contents when decoding it). */
export function encodedArray(fields: Fields, key: string, what: string): readonly Encoded[] {
  const value = fields[key];
  if (!Array.isArray(value)) throw new EnvelopeError(`${what} field "${key}" must be an array, not ${describe(value)}`);
  return value as readonly Encoded[];
}

/** @internal A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value === 'undefined' ? 'missing' : `a ${typeof value}`;
}
