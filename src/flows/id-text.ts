import { isJsonNumber } from './codec/encoded.js';

/**
 * The UTF-8 bytes of the text a task id hashes, written straight into one reused buffer: no
 * intermediate strings for the common case of arguments that are plain strings, numbers,
 * booleans and `null`. One writer per process; valid until the next {@link startIdText}. @internal
 */
let bytes = new Uint8Array(1024);
let at = 0;

const reserve = (n: number): void => {
  if (at + n <= bytes.length) return;
  const larger = new Uint8Array(Math.max(at + n, bytes.length * 2));
  larger.set(bytes.subarray(0, at));
  bytes = larger;
};

/** Starts a new text. @internal */
export function startIdText(): void {
  at = 0;
}

/** The bytes written since {@link startIdText} (the buffer and its used length). @internal */
export function idTextBytes(): { readonly bytes: Uint8Array; readonly length: number } {
  return { bytes, length: at };
}

/** The buffer the text is written to (valid until the next write: it may be replaced as it grows). @internal */
export const idTextBuffer = (): Uint8Array => bytes;

/** How many bytes were written since {@link startIdText}. @internal */
export const idTextLength = (): number => at;

/** Where the text is now, to {@link rewindIdText} to. @internal */
export const idTextMark = (): number => at;

/** Drops what was written after `mark`. @internal */
export function rewindIdText(mark: number): void {
  at = mark;
}

/** Appends one byte (e.g. the 0 between parts). @internal */
export function writeIdByte(value: number): void {
  reserve(1);
  bytes[at++] = value;
}

/** Appends the UTF-8 of `text` (a lone surrogate as U+FFFD, as `Buffer.from` does). @internal */
export function writeIdUtf8(text: string): void {
  reserve(text.length * 3);
  const n = text.length;
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) bytes[at++] = c;
    else if (c < 0x800) {
      bytes[at++] = 0xc0 | (c >> 6);
      bytes[at++] = 0x80 | (c & 63);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          bytes[at++] = 0xf0 | (cp >> 18);
          bytes[at++] = 0x80 | ((cp >> 12) & 63);
          bytes[at++] = 0x80 | ((cp >> 6) & 63);
          bytes[at++] = 0x80 | (cp & 63);
          continue;
        }
        c = 0xfffd;
      }
      bytes[at++] = 0xe0 | (c >> 12);
      bytes[at++] = 0x80 | ((c >> 6) & 63);
      bytes[at++] = 0x80 | (c & 63);
    }
  }
}

/** Appends a string as JSON.stringify writes it. */
function writeJsonString(text: string): void {
  const mark = at;
  reserve(text.length + 2);
  bytes[at++] = 0x22;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Quotes, backslashes, control characters and anything not ASCII: JSON.stringify decides.
    if (c < 0x20 || c >= 0x7f || c === 0x22 || c === 0x5c) {
      at = mark;
      return writeIdUtf8(JSON.stringify(text));
    }
    bytes[at++] = c;
  }
  bytes[at++] = 0x22;
}

/** Appends a number as JSON.stringify writes it (a finite number; integers without a string). */
function writeJsonNumber(value: number): void {
  if ((value | 0) !== value) return writeIdUtf8(String(value));
  reserve(11);
  let n = value;
  if (n < 0) {
    bytes[at++] = 0x2d;
    n = -n; // at most 2^31: still exact
  }
  // The digits are written from the last, where the count of them puts it.
  let digits = 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  at += digits;
  for (let i = at - 1; i >= at - digits; i--) {
    bytes[i] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
}

/**
 * Appends `JSON.stringify(args)` when every argument is a string, a JSON number (finite, not
 * -0), a boolean or `null`, and returns true; else writes nothing and returns false.
 *
 * @internal
 */
export function writeFlatJsonArgs(args: readonly unknown[]): boolean {
  if (Object.getPrototypeOf(args) !== Array.prototype) return false;
  const mark = at;
  writeIdByte(0x5b);
  for (let i = 0; i < args.length; i++) {
    if (i > 0) writeIdByte(0x2c);
    const value = args[i];
    const type = typeof value;
    if (type === 'number') {
      if (!isJsonNumber(value as number)) return fail(mark);
      writeJsonNumber(value as number);
    } else if (type === 'string') writeJsonString(value as string);
    else if (type === 'boolean') writeIdUtf8(value ? 'true' : 'false');
    else if (value === null) writeIdUtf8('null');
    else return fail(mark);
  }
  writeIdByte(0x5d);
  return true;
}

function fail(mark: number): false {
  at = mark;
  return false;
}
