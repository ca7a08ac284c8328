import { CodecError } from './codec-error.js';
import { MAX_DEPTH } from './encoded.js';

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * @internal A failure deep inside the encoder or decoder. Each container it unwinds through adds
 * its path piece, so paths are only built when something fails.
 */
export class PathFailure {
  /** Path pieces (`.key`, `[3]`, `.<map value 2>`), innermost first. */
  readonly pieces: string[] = [];
  /** The containers unwound through, innermost first (to tell cycles from deep nesting). */
  readonly containers: unknown[] = [];

  constructor(
    /** What is wrong with the value, completing `<path> ...` (e.g. `is a function`). */
    readonly reason: string,
    /** Whether the failure is the depth limit rather than a bad value. */
    readonly tooDeep = false,
    /** The error thrown by user code, if any. */
    readonly cause?: unknown,
  ) {}
}

/** @internal The failure of a value nested deeper than {@link MAX_DEPTH}. */
export function tooDeep(): PathFailure {
  return new PathFailure(`is nested too deeply (over ${MAX_DEPTH} levels)`, true);
}

/** @internal The accessor piece of an object key: `.name` or `["odd key"]`. */
export function keyPiece(key: string): string {
  return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** @internal A short description of a thrown value, never throwing itself. */
export function errorText(e: unknown): string {
  try {
    return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  } catch {
    return 'an unprintable value';
  }
}

/** @internal A short, safe rendering of an untrusted string for messages. */
export function quote(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

/** @internal The failure of a tagged object with wrong or missing fields. */
export function malformedTag(tag: string, detail: string): PathFailure {
  return new PathFailure(`is a malformed ${quote(tag)} tag: ${detail}`);
}

/** @internal Adds a container's piece to a failure unwinding through it (wrapping foreign errors). */
export function annotate(e: unknown, piece: string, container: unknown): PathFailure {
  const failure = e instanceof PathFailure ? e : new PathFailure(`threw ${errorText(e)}`, false, e);
  failure.pieces.push(piece);
  failure.containers.push(container);
  return failure;
}

/** @internal Turns whatever the encoder or decoder threw into a {@link CodecError}. */
export function toCodecError(e: unknown, root: string): CodecError {
  if (e instanceof CodecError) return e;
  const failure = e instanceof PathFailure ? e : new PathFailure(`threw ${errorText(e)}`, false, e);
  const pieces = failure.pieces.slice().reverse();
  let reason = failure.reason;
  if (failure.tooDeep) {
    const cycleAt = firstRepeat(failure.containers.slice().reverse());
    if (cycleAt !== undefined) {
      pieces.length = cycleAt;
      reason = 'is a circular reference';
    }
  }
  const path = root + pieces.join('');
  const options = failure.cause === undefined ? { path } : { path, cause: failure.cause };
  return new CodecError(`${path} ${reason}`, options);
}

function firstRepeat(chain: readonly unknown[]): number | undefined {
  const seen = new Set<unknown>();
  for (let i = 0; i < chain.length; i++) {
    if (seen.has(chain[i])) return i;
    seen.add(chain[i]);
  }
  return undefined;
}
