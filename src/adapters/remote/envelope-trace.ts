/**
 * The trace context a task message carries (envelope version 3): the W3C `traceparent` and
 * `tracestate` of the push that sent it, read strictly. Nothing else of a propagator travels.
 */
import { EnvelopeError } from './envelope-error.js';
import { optionalString, type Fields } from './envelope-fields.js';

/** `00-<32 hex>-<16 hex>-<2 hex>`, and the longer forms later versions of the format allow. */
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(-[^\s]*)?$/;

/** @internal The trace fields of a task message: only in version 3 or later, well-formed. */
export function traceFields(
  fields: Fields,
  what: string,
): { traceparent?: string | undefined; tracestate?: string | undefined } {
  if (fields.traceparent === undefined) {
    if (fields.tracestate !== undefined) throw new EnvelopeError(`${what} has a "tracestate" without a "traceparent"`);
    return {};
  }
  if ((fields.v as number) < 3) {
    throw new EnvelopeError(`${what} of version ${String(fields.v)} has a "traceparent", which version 3 added`);
  }
  const traceparent = optionalString(fields, 'traceparent', what, 128)!;
  if (!TRACEPARENT.test(traceparent)) {
    throw new EnvelopeError(`${what} field "traceparent" is not a W3C traceparent`);
  }
  // The W3C limit on tracestate: 32 members, of 256 characters each at most.
  const tracestate = optionalString(fields, 'tracestate', what, 8192);
  return tracestate === undefined ? { traceparent } : { traceparent, tracestate };
}
