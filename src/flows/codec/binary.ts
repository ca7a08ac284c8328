/**
 * Binary values: typed arrays, DataView, ArrayBuffer and Node Buffer, encoded as the base64 of
 * their bytes (platform byte order, little-endian on every platform Node supports) under a tag
 * naming their type: `{ "$t": "Float32Array", "v": "AACAPw==" }`.
 */
import { Buffer } from 'node:buffer';
import type { Encoded } from './encoded.js';
import { PathFailure } from './path.js';

type ViewConstructor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => object;

interface ViewKind {
  readonly tag: string;
  readonly create: ViewConstructor;
  readonly bytesPerElement: number;
}

const VIEW_KINDS: readonly ViewKind[] = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
].map((cls) => ({ tag: cls.name, create: cls, bytesPerElement: cls.BYTES_PER_ELEMENT }));

const viewByPrototype = new Map<object, ViewKind>(VIEW_KINDS.map((kind) => [kind.create.prototype as object, kind]));
viewByPrototype.set(DataView.prototype, { tag: 'DataView', create: DataView, bytesPerElement: 1 });
const viewByTag = new Map<string, ViewKind>([...viewByPrototype.values()].map((kind) => [kind.tag, kind]));

/** @internal The encoding of a binary value with prototype `proto`, or undefined if not binary. */
export function encodeBinary(value: object, proto: object): Encoded | undefined {
  if (proto === Buffer.prototype) {
    const buffer = value as Buffer;
    return { $t: 'Buffer', v: buffer.toString('base64') };
  }
  if (proto === ArrayBuffer.prototype) {
    return { $t: 'ArrayBuffer', v: Buffer.from(value as ArrayBuffer).toString('base64') };
  }
  const kind = viewByPrototype.get(proto);
  if (kind === undefined) return undefined;
  const view = value as ArrayBufferView;
  const bytes = Buffer.from(view.buffer, view.byteOffset, view.byteLength);
  return { $t: kind.tag, v: bytes.toString('base64') };
}

/** @internal Whether `tag` names a binary type. */
export function isBinaryTag(tag: string): boolean {
  return tag === 'Buffer' || tag === 'ArrayBuffer' || viewByTag.has(tag);
}

/** @internal Decodes the payload of a binary tag (see {@link isBinaryTag}). */
export function decodeBinary(tag: string, payload: unknown): unknown {
  const bytes = strictBase64(tag, payload);
  if (tag === 'Buffer') return bytes;
  const buffer = new ArrayBuffer(bytes.length);
  new Uint8Array(buffer).set(bytes);
  if (tag === 'ArrayBuffer') return buffer;
  const kind = viewByTag.get(tag);
  if (kind === undefined) throw new PathFailure(`has an unknown binary tag ${JSON.stringify(tag)}`);
  if (bytes.length % kind.bytesPerElement !== 0) {
    throw new PathFailure(
      `is a malformed "${tag}" tag: ${bytes.length} bytes is not a multiple of ${kind.bytesPerElement}`,
    );
  }
  return new kind.create(buffer, 0, bytes.length / kind.bytesPerElement);
}

function strictBase64(tag: string, payload: unknown): Buffer {
  if (typeof payload !== 'string') {
    throw new PathFailure(`is a malformed "${tag}" tag: "v" must be a base64 string`);
  }
  const bytes = Buffer.from(payload, 'base64');
  if (bytes.toString('base64') !== payload) {
    throw new PathFailure(`is a malformed "${tag}" tag: "v" is not canonical base64`);
  }
  return bytes;
}
