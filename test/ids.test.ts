import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import stableStringify from 'fast-json-stable-stringify';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { Task, encodeValue, taskableOperation, taskableOperationCls } from 'mazepa';
import { deriveTaskId } from '../src/flows/ids.js';
import { murmur3x86128 } from '../src/flows/murmur3.js';

/** `vStep1-...` of the MurmurHash3_x86_128 of `text` (which starts with the operation name). */
function murmurIdOf(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  const out = Buffer.alloc(16);
  murmur3x86128(bytes, bytes.length, 0, [0, 0, 0, 0]).forEach((word, i) => out.writeUInt32LE(word, i * 4));
  return `${text.slice(0, text.indexOf('\u0000'))}-${out.toString('base64url')}`;
}

const resize = taskableOperation(function resizeChunk(_chunk: { x: number; y: number }, _scale: number) {});

describe('task ids', () => {
  it('should be the same for the same operation and arguments, whatever the key order', () => {
    const a = resize.makeTask({ x: 1, y: 2 }, 2);
    const b = resize.makeTask({ y: 2, x: 1 }, 2);
    expect(a.id).toBe(b.id);
    expect(a.id).toMatch(/^resizeChunk-[A-Za-z0-9_-]{22}$/);
  });

  it('should differ for different arguments and different operations', () => {
    const other = taskableOperation(function otherChunk(_chunk: { x: number; y: number }, _scale: number) {});
    const ids = new Set([
      resize.makeTask({ x: 1, y: 2 }, 2).id,
      resize.makeTask({ x: 1, y: 2 }, 3).id,
      resize.makeTask({ x: 2, y: 1 }, 2).id,
      other.makeTask({ x: 1, y: 2 }, 2).id,
    ]);
    expect(ids.size).toBe(4);
  });

  it('should tell apart values JSON cannot (undefined, NaN, dates)', () => {
    const t = taskableOperation(function anyArg(_v: unknown) {});
    const ids = new Set([
      t.makeTask(undefined).id,
      t.makeTask(null).id,
      t.makeTask(NaN).id,
      t.makeTask(new Date(0)).id,
      t.makeTask(0).id,
    ]);
    expect(ids.size).toBe(5);
  });

  it('should include the constructor arguments of class operations', () => {
    const Scale = taskableOperationCls(
      class ScaleOp {
        constructor(readonly factor: number) {}
        call(x: number) {
          return x * this.factor;
        }
      },
    );
    expect(new Scale(2).makeTask(5).id).toBe(new Scale(2).makeTask(5).id);
    expect(new Scale(2).makeTask(5).id).not.toBe(new Scale(3).makeTask(5).id);
  });

  it('should fall back to a random id for arguments that cannot be encoded, and say why', () => {
    const withCallback = taskableOperation(function withCallback(_cb: () => void) {});
    const a = withCallback.makeTask(() => {});
    const b = withCallback.makeTask(() => {});
    expect(a.id).not.toBe(b.id);
    expect(a.unencodable).toContain('args[0] is a function');
  });

  it('should be the same in another process', () => {
    const here = new Task({
      fn: function sameEverywhere(_a: unknown, _b: unknown) {},
      args: [{ x: 1, tags: ['a'] }, 7],
    }).id;
    const script = `
      import { Task } from './src/index.ts';
      console.log(new Task({ fn: function sameEverywhere() {}, args: [{ tags: ['a'], x: 1 }, 7] }).id);
    `;
    const there = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    }).trim();
    expect(there).toBe(here);
  });
});

describe('task ids, pinned', () => {
  const step = taskableOperation(function pinnedStep(..._args: unknown[]) {});
  // The id scheme ('m3x86-128'): `<operation>-<22 base64url characters of the 16 bytes of the
  // MurmurHash3_x86_128 (seed 0) of the UTF-8 of "<operation>\0<stable JSON of the encoded
  // arguments>">`, computed here with the hash alone over bytes that Buffer encodes.
  const murmurId = (op: string, text: string): string => {
    const bytes = Buffer.from(`${op}\u0000${text}`, 'utf8');
    const words = murmur3x86128(bytes, bytes.length, 0, [0, 0, 0, 0]);
    const out = Buffer.alloc(16);
    words.forEach((word, i) => out.writeUInt32LE(word, i * 4));
    return `${op}-${out.toString('base64url')}`;
  };
  const expected = (args: unknown[]) => murmurId('pinnedStep', stableStringify(encodeValue(args, 'args')));

  it('should follow the documented scheme for plain and tagged arguments alike', () => {
    const cases: unknown[][] = [
      [],
      [1, 'a', true, null],
      [3.5, -2, 'x\u0000y', '$t'],
      [-0],
      [NaN, Infinity],
      [undefined],
      [{ b: 1, a: [2, { d: new Date(0) }] }],
      [[1, 2], 'nested'],
      ['é', '日本', '\u{1F600}', 'lone \ud800 surrogate', 'quote " and \\', '\n\t\u0001'],
      [-2147483648, 2147483647, 2147483648, -1e21, 1e21, 0.1, 5e-7, 123456789012],
    ];
    for (const args of cases) expect(step.makeTask(...args).id).toBe(expected(args));
  });

  it('should hash flat arguments as the very bytes of their JSON, whatever they hold', () => {
    const flat = fc.array(
      fc.oneof(fc.string({ unit: 'binary' }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null)),
    );
    fc.assert(
      fc.property(flat, (args) => {
        const plain = args.filter((a) => typeof a !== 'number' || (Number.isFinite(a) && !Object.is(a, -0)));
        expect(step.makeTask(...plain).id).toBe(murmurId('pinnedStep', JSON.stringify(plain)));
      }),
      { numRuns: 300 },
    );
  });

  it('should not change from one release to the next', () => {
    // Computed with this MurmurHash3_x86_128, which test/murmur3.test.ts checks against the
    // reference's verification value: a changed id here breaks every user's checkpoints.
    expect(step.makeTask(1, 'a').id).toBe('pinnedStep-KNKwvfDxBVU5cVuKTT4_9w');
    expect(step.makeTask({ x: 1 }, [2, 'b']).id).toBe('pinnedStep-TBzpgmD4HwnZ9yZoHGsUUA');
  });

  it('should still derive the ids of the earlier scheme (sha256-128), for checkpoints written with them', () => {
    // sha256("pinnedStep\0[1,\"a\"]"), computed apart from mazepa (e.g. with Python's hashlib).
    expect(deriveTaskId('pinnedStep', [1, 'a'], undefined, undefined, 'sha256-128').id).toBe(
      'pinnedStep-1NwAqhp_75x24jAy49HGNz',
    );
    expect(deriveTaskId('vStep1', [3], undefined, 1, 'sha256-128').id).toBe(
      `vStep1-${createHash('sha256').update('vStep1\u0000[3]\u0000v1').digest('base64url').slice(0, 22)}`,
    );
  });
});

describe('task ids and operation versions', () => {
  it('should change with the version, and stay as before without one', () => {
    const v1 = taskableOperation(function versionedStep(_a: number) {}, { operationName: 'vStep1', version: 1 });
    const fn = (..._a: unknown[]) => 0;
    // Unversioned: the pinned scheme, exactly.
    expect(new Task({ fn, operationName: 'pinnedStep', args: [1, 'a'] }).id).toBe('pinnedStep-KNKwvfDxBVU5cVuKTT4_9w');
    expect(v1.makeTask(3).id).toMatch(/^vStep1-[A-Za-z0-9_-]{22}$/);
    expect(v1.makeTask(3).id).not.toBe(new Task({ fn, operationName: 'vStep1', args: [3], version: 2 }).id);
    expect(v1.makeTask(3).id).toBe(new Task({ fn, operationName: 'vStep1', args: [3], version: '1' }).id);
    expect(v1.makeTask(3).id).not.toBe(new Task({ fn, operationName: 'vStep1', args: [3] }).id);
    // The version goes into the hashed text as "\0v<version>".
    expect(v1.makeTask(3).id).toBe(murmurIdOf('vStep1\u0000[3]\u0000v1'));
  });

  it('should version class operations too, and refuse bad versions naming the option', () => {
    class Op {
      call(x: number) {
        return x;
      }
    }
    const A = taskableOperationCls(Op, { operationName: 'vOpA' });
    const B = taskableOperationCls(Op, { operationName: 'vOpB', version: 'b' });
    expect(new A().makeTask(1).id).toBe(
      new Task({ fn: (..._a: unknown[]) => 0, operationName: 'vOpA', args: [1], constructorArgs: [] }).id,
    );
    expect(new B().makeTask(1).id).not.toBe(
      new Task({ fn: (..._a: unknown[]) => 0, operationName: 'vOpB', args: [1], constructorArgs: [] }).id,
    );
    for (const bad of ['', -1, 1.5, {}, 'x'.repeat(65)]) {
      expect(() => taskableOperation(function badVersion() {}, { version: bad as never })).toThrow(
        /taskableOperation: option 'version' must be a non-empty string/,
      );
    }
  });
});

describe('task ids and function names', () => {
  it('should refuse a second, different function under a name a task took, naming both', () => {
    class First {
      method(x: number) {
        return x + 1;
      }
    }
    class Second {
      method(x: number) {
        return x * 2;
      }
    }
    const a = new Task({ fn: First.prototype.method, args: [1] });
    expect(new Task({ fn: First.prototype.method, args: [1] }).id).toBe(a.id); // the same function: same id
    expect(() => new Task({ fn: Second.prototype.method, args: [1] })).toThrow(
      /two different functions are both named 'method' \(`method\(x\) \{` and `method\(x\) \{`\).*pass option 'operationName'/,
    );
    expect(new Task({ fn: Second.prototype.method, args: [1], operationName: 'Second.method' }).id).not.toBe(a.id);
    // A closure made again (same source) is the same function.
    const make = () =>
      function again(x: number) {
        return x;
      };
    expect(new Task({ fn: make(), args: [1] }).id).toBe(new Task({ fn: make(), args: [1] }).id);
  });

  it('should refuse a bound function without an operationName or id', () => {
    const bound = function method(this: unknown) {}.bind(null);
    expect(() => new Task({ fn: bound })).toThrow(/bound function \('bound method'\).*'operationName' \(or 'id'\)/);
    expect(new Task({ fn: bound, operationName: 'm' }).operationName).toBe('m');
    expect(new Task({ fn: bound, id: 'my-id' }).id).toBe('my-id');
  });
});
