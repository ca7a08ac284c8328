/**
 * Several outcome messages in one SQS message: a worker packs the outcomes that finish close
 * together for the same outcome queue, and the orchestrator reads each one as if it had come
 * alone (each keeps its own signature, and a bad one fails only its own task).
 */
import { MAX_MESSAGE_BYTES } from '../../remote/envelope-text.js';
import { messagePack } from './message-pack.js';

export { packedBytes } from './message-pack.js';

const OUTCOME_PACK = messagePack('outcomes', 'outcome pack');

/** @internal The bytes a pack adds around its outcomes. */
export const PACK_OVERHEAD = OUTCOME_PACK.overhead;

/** @internal Whether outcomes of these packed sizes fit one message. */
export function packFits(sizes: readonly number[], limit = MAX_MESSAGE_BYTES): boolean {
  return sizes.reduce((sum, size) => sum + size, PACK_OVERHEAD) <= limit;
}

/** @internal One message holding several outcome messages. */
export const packOutcomes = OUTCOME_PACK.pack;

/** @internal Whether a message body is an outcome pack (it may still fail to decode). */
export const isOutcomePack = OUTCOME_PACK.isPack;

/** @internal The outcome messages of a pack; an `EnvelopeError` unless it is a valid one. */
export const unpackOutcomes = OUTCOME_PACK.unpack;
