import { describe, expect, it } from 'vitest';
import { ENVELOPE_VERSION, decodeTaskEnvelope, encodeTaskEnvelope, type TaskEnvelope } from 'mazepa/sqs';

const base: TaskEnvelope = { executionId: 'e', taskId: 't', operationName: 'add', attempt: 1, replyTo: 'q', args: [1] };
const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('the trace context of a task message (envelope version 3)', () => {
  it('travels signed in a version 3 message, and a message without one stays version 2', () => {
    const traced = encodeTaskEnvelope({ ...base, traceparent, tracestate: 'vendor=x' }, { signingKey: 'k' });
    expect(JSON.parse(traced)).toMatchObject({ v: ENVELOPE_VERSION, traceparent, tracestate: 'vendor=x' });
    expect(decodeTaskEnvelope(traced, { signingKey: 'k' })).toMatchObject({ traceparent, tracestate: 'vendor=x' });
    // the signature covers it: another trace context does not verify
    const forged = traced.replace('b7ad6b7169203331', 'b7ad6b7169203332');
    expect(() => decodeTaskEnvelope(forged, { signingKey: 'k' })).toThrow(/signature/);
    expect(JSON.parse(encodeTaskEnvelope(base))).toMatchObject({ v: 2 });
    expect(decodeTaskEnvelope(encodeTaskEnvelope(base)).traceparent).toBeUndefined();
  });

  it('refuses a trace context in an older version, a malformed one, and a tracestate alone', () => {
    const v2 = JSON.stringify({ ...JSON.parse(encodeTaskEnvelope(base)), traceparent });
    expect(() => decodeTaskEnvelope(v2)).toThrow(/version 2 has a "traceparent", which version 3 added/);
    const bad = JSON.stringify({ ...JSON.parse(encodeTaskEnvelope(base)), v: 3, traceparent: 'nope' });
    expect(() => decodeTaskEnvelope(bad)).toThrow(/not a W3C traceparent/);
    const alone = JSON.stringify({ ...JSON.parse(encodeTaskEnvelope(base)), v: 3, tracestate: 'a=b' });
    expect(() => decodeTaskEnvelope(alone)).toThrow(/"tracestate" without a "traceparent"/);
  });
});
