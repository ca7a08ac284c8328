/**
 * MurmurHash3_x86_128 (Austin Appleby's public-domain MurmurHash3, the 128-bit variant built on
 * 32-bit arithmetic, which JavaScript does natively with `Math.imul`): a fast, well-studied
 * non-cryptographic hash. Task ids need stability and spread, not secrecy.
 */

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The four 32-bit words of a hash (h1..h4); its bytes are each word little-endian, in order. @internal */
export type Hash128 = [number, number, number, number];

/**
 * MurmurHash3_x86_128 of `bytes[0, length)` with `seed`, into `out` (returned).
 *
 * @internal
 */
export function murmur3x86128(bytes: Uint8Array, length: number, seed: number, out: Hash128): Hash128 {
  let h1 = seed >>> 0;
  let h2 = h1;
  let h3 = h1;
  let h4 = h1;
  const blocks = length & ~15;
  for (let i = 0; i < blocks; i += 16) {
    let k1 = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    let k2 = bytes[i + 4]! | (bytes[i + 5]! << 8) | (bytes[i + 6]! << 16) | (bytes[i + 7]! << 24);
    let k3 = bytes[i + 8]! | (bytes[i + 9]! << 8) | (bytes[i + 10]! << 16) | (bytes[i + 11]! << 24);
    let k4 = bytes[i + 12]! | (bytes[i + 13]! << 8) | (bytes[i + 14]! << 16) | (bytes[i + 15]! << 24);
    k1 = Math.imul(rotl(Math.imul(k1, C1), 15), C2);
    h1 ^= k1;
    h1 = (Math.imul(rotl(h1, 19) + h2, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(rotl(Math.imul(k2, C2), 16), C3);
    h2 ^= k2;
    h2 = (Math.imul(rotl(h2, 17) + h3, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(rotl(Math.imul(k3, C3), 17), C4);
    h3 ^= k3;
    h3 = (Math.imul(rotl(h3, 15) + h4, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(rotl(Math.imul(k4, C4), 18), C1);
    h4 ^= k4;
    h4 = (Math.imul(rotl(h4, 13) + h1, 5) + 0x32ac3b17) | 0;
  }
  // The tail: up to 15 bytes, in the words they would have filled.
  const tail = length & 15;
  if (tail > 12) {
    let k4 = 0;
    for (let j = tail - 1; j >= 12; j--) k4 = (k4 << 8) | bytes[blocks + j]!;
    h4 ^= Math.imul(rotl(Math.imul(k4, C4), 18), C1);
  }
  if (tail > 8) {
    let k3 = 0;
    for (let j = Math.min(tail, 12) - 1; j >= 8; j--) k3 = (k3 << 8) | bytes[blocks + j]!;
    h3 ^= Math.imul(rotl(Math.imul(k3, C3), 17), C4);
  }
  if (tail > 4) {
    let k2 = 0;
    for (let j = Math.min(tail, 8) - 1; j >= 4; j--) k2 = (k2 << 8) | bytes[blocks + j]!;
    h2 ^= Math.imul(rotl(Math.imul(k2, C2), 16), C3);
  }
  if (tail > 0) {
    let k1 = 0;
    for (let j = Math.min(tail, 4) - 1; j >= 0; j--) k1 = (k1 << 8) | bytes[blocks + j]!;
    h1 ^= Math.imul(rotl(Math.imul(k1, C1), 15), C2);
  }
  h1 ^= length;
  h2 ^= length;
  h3 ^= length;
  h4 ^= length;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  out[0] = h1 >>> 0;
  out[1] = (h2 + h1) >>> 0;
  out[2] = (h3 + h1) >>> 0;
  out[3] = (h4 + h1) >>> 0;
  return out;
}

const BASE64URL = Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', (c) =>
  c.charCodeAt(0),
);
/** The base64url character of the 6 bits of `x` at `shift`. */
const b = (x: number, shift: number): number => BASE64URL[(x >>> shift) & 63]!;
/** Byte `k` (0-3) of a word, little-endian. */
const byte = (w: number, k: number): number => (w >>> (8 * k)) & 0xff;

/**
 * The 22 base64url characters (no padding) of a hash's 16 bytes, each word little-endian: the
 * same text as `Buffer.toString('base64url')` of those bytes, made in one allocation.
 *
 * @internal
 */
export function base64url128(hash: Hash128): string {
  // Five groups of 3 bytes (4 characters each), then the 16th byte (2 characters).
  const w0 = hash[0];
  const w1 = hash[1];
  const w2 = hash[2];
  const w3 = hash[3];
  const g0 = (byte(w0, 0) << 16) | (byte(w0, 1) << 8) | byte(w0, 2);
  const g1 = (byte(w0, 3) << 16) | (byte(w1, 0) << 8) | byte(w1, 1);
  const g2 = (byte(w1, 2) << 16) | (byte(w1, 3) << 8) | byte(w2, 0);
  const g3 = (byte(w2, 1) << 16) | (byte(w2, 2) << 8) | byte(w2, 3);
  const g4 = (byte(w3, 0) << 16) | (byte(w3, 1) << 8) | byte(w3, 2);
  const last = byte(w3, 3);
  return String.fromCharCode(
    b(g0, 18),
    b(g0, 12),
    b(g0, 6),
    b(g0, 0),
    b(g1, 18),
    b(g1, 12),
    b(g1, 6),
    b(g1, 0),
    b(g2, 18),
    b(g2, 12),
    b(g2, 6),
    b(g2, 0),
    b(g3, 18),
    b(g3, 12),
    b(g3, 6),
    b(g3, 0),
    b(g4, 18),
    b(g4, 12),
    b(g4, 6),
    b(g4, 0),
    b(last, 2),
    b(last << 4, 0),
  );
}

/** The character codes of the last id made by {@link prefixedBase64url128}: its prefix, `-`, 22 more. */
let idCodes: number[] = [];
let idPrefix: string | undefined;

/**
 * `<prefix>-<base64url128(hash)>` as one flat string, made in one allocation (a concatenation
 * would make a rope, and the 22 characters a string of their own). @internal
 */
export function prefixedBase64url128(prefix: string, hash: Hash128): string {
  if (prefix !== idPrefix) {
    if (prefix.length > 256) return [prefix, base64url128(hash)].join('-');
    idCodes = new Array<number>(prefix.length + 23).fill(0);
    for (let i = 0; i < prefix.length; i++) idCodes[i] = prefix.charCodeAt(i);
    idCodes[prefix.length] = 45; // '-'
    idPrefix = prefix;
  }
  const codes = idCodes;
  let at = prefix.length + 1;
  const w0 = hash[0];
  const w1 = hash[1];
  const w2 = hash[2];
  const w3 = hash[3];
  at = group(codes, at, (byte(w0, 0) << 16) | (byte(w0, 1) << 8) | byte(w0, 2));
  at = group(codes, at, (byte(w0, 3) << 16) | (byte(w1, 0) << 8) | byte(w1, 1));
  at = group(codes, at, (byte(w1, 2) << 16) | (byte(w1, 3) << 8) | byte(w2, 0));
  at = group(codes, at, (byte(w2, 1) << 16) | (byte(w2, 2) << 8) | byte(w2, 3));
  at = group(codes, at, (byte(w3, 0) << 16) | (byte(w3, 1) << 8) | byte(w3, 2));
  const last = byte(w3, 3);
  codes[at] = b(last, 2);
  codes[at + 1] = b(last << 4, 0);
  return String.fromCharCode.apply(null, codes);
}

/** Writes the 4 characters of a group of 3 bytes at `at`; returns where the next go. */
function group(codes: number[], at: number, g: number): number {
  codes[at] = b(g, 18);
  codes[at + 1] = b(g, 12);
  codes[at + 2] = b(g, 6);
  codes[at + 3] = b(g, 0);
  return at + 4;
}
