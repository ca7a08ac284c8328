/**
 * The value codec: task arguments and results as deterministic, JSON-compatible trees.
 */
export { CodecError, type CodecErrorOptions } from './codec-error.js';
export { decodeValue } from './decode.js';
export { encodeValue } from './encode.js';
export type { Encoded } from './encoded.js';
export { registerClass, type RegisterClassOptions } from './registry.js';
export { decodeFromString, encodeToString, type DecodeFromStringOptions } from './text.js';
