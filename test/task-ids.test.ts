import { describe, expect, it } from 'vitest';
import { taskableOperation } from 'mazepa';
import { createTaskIds } from '../src/streams/engine/graph/task-ids.js';

const op = taskableOperation(function idsOp(_a: number, _b: number) {});

describe('the compact index of task ids', () => {
  it('gives each id one entry, found again after many others (the slots grow), derived ids or not', () => {
    const ids = createTaskIds();
    const derived = Array.from({ length: 20_000 }, (_, i) => op.makeTask(i >> 7, i & 127).id);
    const other = ['given-id', 'idsOp-random-8f2b6c1e-4c1d-4a57-9f1e-2b3c4d5e6f70', 'x'];
    const all = [...derived, ...other];
    for (const id of all) expect(ids.find(id, 'idsOp')).toBe(-1);
    const entries = all.map((id) => ids.insert(id, 'idsOp'));
    expect(new Set(entries).size).toBe(all.length);
    expect(ids.size).toBe(all.length);
    // Found from copies of the texts (not the same string objects), with or without the operation.
    all.forEach((id, i) => expect(ids.find(`${id} `.slice(0, -1))).toBe(entries[i]));
    all.forEach((id, i) => expect(ids.insert(id)).toBe(entries[i]));
  });

  it('tells apart texts that differ only where a binary form could lose them', () => {
    const ids = createTaskIds();
    const id = op.makeTask(1, 2).id;
    const hash = id.slice(-22);
    const last = hash.at(-1)!;
    // The 22nd character carries 2 bits; one with any of its 4 low bits set is not canonical.
    const nonCanonical = `${id.slice(0, -1)}${last === 'B' ? 'C' : 'B'}`;
    const otherPrefix = `other-${hash}`;
    const longerPrefix = `xidsOp-${hash}`;
    const a = ids.insert(id, 'idsOp');
    const b = ids.insert(nonCanonical, 'idsOp');
    const c = ids.insert(otherPrefix);
    const d = ids.insert(longerPrefix, 'idsOp');
    expect(new Set([a, b, c, d]).size).toBe(4);
    expect([id, nonCanonical, otherPrefix, longerPrefix].map((s) => ids.find(s))).toEqual([a, b, c, d]);
    expect(ids.find(`${id.slice(0, -2)}AA`)).toBe(-1);
  });
});
