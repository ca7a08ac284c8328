/**
 * The task ids of an execution, kept compact: each id gets an entry number (0, 1, 2, ...), under
 * which the task table keeps what it knows of it. At 10^7 tasks this index is most of an
 * execution's memory, so a derived id, `<operation>-<22 base64url characters of 128 bits>` (see
 * `deriveTaskId`), is kept as binary: the 128 bits and the index of its operation prefix in typed
 * arrays (20 bytes an id), found again by open addressing on those bits, with no string and no
 * object per id. Any other id (given by the user, random, or whose text is not the canonical
 * base64url of 128 bits) goes to a `Map`. An id is decoded from its text and compared whole, so
 * two ids share an entry only when their texts are equal: dedup is exactly that of a `Map`.
 *
 * @internal
 */
export interface TaskIds {
  /** The entry of `id`, or -1. `operation`, the task's operation name when known, saves a string. */
  find(id: string, operation?: string): number;
  /** Gives `id`, which {@link TaskIds.find} does not know, the next entry (right after `find(id)`, its probe is reused). */
  insert(id: string, operation?: string): number;
  /** How many ids are known. */
  readonly size: number;
}

/** Characters of the hash part of a derived id, and the `-` before them. */
const HASH_CHARS = 22;
const SUFFIX = HASH_CHARS + 1;
/** Entries per page: pages are never copied as the index grows. */
const PAGE_BITS = 16;
const PAGE = 1 << PAGE_BITS;
/** 32-bit words per entry: 4 of 30 bits of the hash text, then the prefix index and the last 8 bits. */
const WORDS = 5;
/** More distinct operation prefixes than this: ids with further ones are kept as strings. */
const MAX_PREFIXES = 1 << 16;

/** The 6-bit value of each base64url character code, -1 for others. */
const SEXTET = new Int8Array(128).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  .split('')
  .forEach((c, i) => (SEXTET[c.charCodeAt(0)] = i));

/** The 6-bit value of a character code, negative when it is not base64url. */
const sextet = (code: number): number => SEXTET[code & 127]! | -(code >>> 7);

/** Makes an empty index. @internal */
export function createTaskIds(): TaskIds {
  const strings = new Map<string, number>();
  const prefixes = new Map<string, number>();
  let lastPrefix = '';
  let lastPrefixIndex = -1;
  const keyPages: Int32Array[] = [];
  let count = 0;
  let slots = new Int32Array(2 << 12); // pairs: entry + 1 (0 is empty), hash of its key
  let mask = slots.length / 2 - 1;
  // The id decoded last (everything is synchronous): its words, and what its probe found.
  const w = new Int32Array(5);
  let lastId: string | undefined;
  let lastSlot = 0;

  /**
   * Reads the 22 hash characters of `id` (from `at`) into `w`, 5 sextets a word, the 21st and
   * the 2 bits of the 22nd with the prefix in the fifth: false when one is not base64url, or the
   * 22nd has any of the 4 low bits set that `base64url128` never writes (so that each text has
   * one binary form).
   */
  function decode(id: string, at: number, prefix: number): boolean {
    let bad = 0;
    for (let k = 0; k < 4; k++) {
      let word = 0;
      for (let j = 0; j < 5; j++) {
        const v = sextet(id.charCodeAt(at++));
        bad |= v;
        word = (word << 6) | v;
      }
      w[k] = word;
    }
    const v20 = sextet(id.charCodeAt(at));
    const v21 = sextet(id.charCodeAt(at + 1));
    w[4] = (prefix << 8) | (v20 << 2) | (v21 >>> 4);
    return (bad | v20 | v21) >= 0 && (v21 & 15) === 0;
  }

  /** The index of the prefix of `id` (it without its hash part), or -1; `add` registers a new one. */
  function prefixOf(id: string, operation: string | undefined, add: boolean): number {
    const length = id.length - SUFFIX;
    if (lastPrefix.length === length && id.startsWith(lastPrefix)) return lastPrefixIndex;
    const prefix =
      operation !== undefined && operation.length === length && id.startsWith(operation)
        ? operation
        : id.slice(0, length);
    let index = prefixes.get(prefix);
    if (index === undefined) {
      if (!add || prefixes.size >= MAX_PREFIXES) return -1;
      index = prefixes.size;
      prefixes.set(prefix, index);
    }
    lastPrefix = prefix;
    lastPrefixIndex = index;
    return index;
  }

  /**
   * The decoded id `w`: the position of its slot (>= 0), or of the empty slot where it would go,
   * negated, minus 1. A slot is two words, the entry (+ 1; 0 is empty) and the hash of its key,
   * so that a probe reads the key of an entry only when the hashes match.
   */
  function probe(): number {
    const hash = w[0]! ^ w[1]!;
    let s = hash & mask;
    for (;;) {
      const entry = slots[2 * s]!;
      if (entry === 0) return -s - 1;
      if (slots[2 * s + 1] === hash) {
        const i = entry - 1;
        const keys = keyPages[i >>> PAGE_BITS]!;
        const k = (i & (PAGE - 1)) * WORDS;
        if (
          keys[k] === w[0] &&
          keys[k + 1] === w[1] &&
          keys[k + 2] === w[2] &&
          keys[k + 3] === w[3] &&
          keys[k + 4] === w[4]
        ) {
          return s;
        }
      }
      s = (s + 1) & mask;
    }
  }

  /** Decodes and probes `id`: its slot (see {@link probe}), or `undefined` when it is kept as a string. */
  function locate(id: string, operation: string | undefined, add: boolean): number | undefined {
    if (id === lastId) return lastSlot;
    const n = id.length;
    if (n <= SUFFIX || id.charCodeAt(n - SUFFIX) !== 45) return undefined;
    const prefix = prefixOf(id, operation, add);
    if (prefix < 0 || !decode(id, n - HASH_CHARS, prefix)) return undefined;
    lastId = id;
    lastSlot = probe();
    return lastSlot;
  }

  /** Doubles the slots, placing every entry again (by the hash its slot keeps). */
  function grow(): void {
    const old = slots;
    slots = new Int32Array(old.length * 2);
    mask = slots.length / 2 - 1;
    for (let j = 0; j < old.length; j += 2) {
      const entry = old[j]!;
      if (entry === 0) continue;
      const hash = old[j + 1]!;
      let s = hash & mask;
      while (slots[2 * s] !== 0) s = (s + 1) & mask;
      slots[2 * s] = entry;
      slots[2 * s + 1] = hash;
    }
  }

  /** A new entry: its key words are `w`, or -1 for an id kept as a string. */
  function next(binary: boolean): number {
    const i = count++;
    const page = i >>> PAGE_BITS;
    if (page === keyPages.length) keyPages.push(new Int32Array(PAGE * WORDS));
    const keys = keyPages[page]!;
    const k = (i & (PAGE - 1)) * WORDS;
    if (binary) {
      keys[k] = w[0]!;
      keys[k + 1] = w[1]!;
      keys[k + 2] = w[2]!;
      keys[k + 3] = w[3]!;
      keys[k + 4] = w[4]!;
    } else keys[k + 4] = -1;
    return i;
  }

  return {
    find(id, operation) {
      const s = locate(id, operation, false);
      if (s === undefined) return strings.get(id) ?? -1;
      return s < 0 ? -1 : slots[2 * s]! - 1;
    },
    insert(id, operation) {
      const s = locate(id, operation, true);
      if (s === undefined) {
        const known = strings.get(id);
        if (known !== undefined) return known;
        const i = next(false);
        strings.set(id, i);
        return i;
      }
      if (s >= 0) return slots[2 * s]! - 1;
      const i = next(true);
      slots[2 * (-s - 1)] = i + 1;
      slots[2 * (-s - 1) + 1] = w[0]! ^ w[1]!;
      lastId = undefined;
      // At most three quarters full: probes stay short, and mostly within a cache line.
      if (count * 2 > (mask + 1) * 1.5) grow();
      return i;
    },
    get size() {
      return count;
    },
  };
}
