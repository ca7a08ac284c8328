import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64url128, murmur3x86128, prefixedBase64url128, type Hash128 } from '../src/flows/murmur3.js';

const bytesOf = (hash: Hash128): Buffer => {
  const out = Buffer.alloc(16);
  hash.forEach((word, i) => out.writeUInt32LE(word, i * 4));
  return out;
};

describe('murmur3x86128', () => {
  it("should pass the reference's verification test (SMHasher: 0xB3ECE62A)", () => {
    // SMHasher's VerificationTest: hash the keys {}, {0}, {0,1}, ... {0..254} with seeds 256,
    // 255, ... 2; hash the concatenation of those 256 hashes with seed 0; its first 4 bytes,
    // little-endian, are the algorithm's verification value.
    const key = Uint8Array.from({ length: 256 }, (_, i) => i);
    const hashes = Buffer.alloc(16 * 256);
    for (let i = 0; i < 256; i++) bytesOf(murmur3x86128(key, i, 256 - i, [0, 0, 0, 0])).copy(hashes, i * 16);
    const final = bytesOf(murmur3x86128(hashes, hashes.length, 0, [0, 0, 0, 0]));
    expect(final.readUInt32LE(0)).toBe(0xb3ece62a);
  });

  it('should hash only the first `length` bytes', () => {
    const data = Buffer.from('abcdefghijklmnopqrstuvwxyz');
    for (let n = 0; n <= data.length; n++) {
      expect(murmur3x86128(data, n, 0, [0, 0, 0, 0])).toEqual(
        murmur3x86128(Buffer.from(data.subarray(0, n)), n, 0, [0, 0, 0, 0]),
      );
    }
    expect(murmur3x86128(data, 3, 0, [0, 0, 0, 0])).not.toEqual(murmur3x86128(data, 4, 0, [0, 0, 0, 0]));
  });
});

describe('base64url128', () => {
  it("should write the hash's 16 bytes as Buffer's base64url does", () => {
    const word = fc.integer({ min: 0, max: 0xffffffff });
    fc.assert(
      fc.property(fc.tuple(word, word, word, word), (hash) => {
        expect(base64url128(hash)).toBe(bytesOf(hash).toString('base64url'));
      }),
    );
  });
});

describe('prefixedBase64url128', () => {
  it('should give `<prefix>-<base64url128>` for any prefix, switching prefixes between calls', () => {
    const word = fc.integer({ min: 0, max: 0xffffffff });
    // Short, empty, non-ASCII (surrogate pairs too) and over-long prefixes, in any order.
    const prefix = fc.oneof(fc.constantFrom('chunk', 'a', '', 'zé😀', 'x'.repeat(300)), fc.string());
    fc.assert(
      fc.property(fc.array(fc.tuple(prefix, fc.tuple(word, word, word, word)), { minLength: 1 }), (calls) => {
        for (const [p, hash] of calls) expect(prefixedBase64url128(p, hash)).toBe(`${p}-${base64url128(hash)}`);
      }),
    );
  });
});
