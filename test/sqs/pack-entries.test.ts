// A pack written from entries quoted once is the very text the pack format writes, and never
// counts fewer bytes than it takes.
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { quotedEntry } from '../../src/adapters/sqs/messages/message-pack.js';
import { packTaskMessages, packTasks } from '../../src/adapters/sqs/messages/task-pack.js';

const bodies = ['{"a":"quote \\" and backslash \\\\"}', '{"é":"ü€𝄞"}', '{"lone":"\ud800"}', '{"tab":"\t"}'];

describe('pack entries quoted once', () => {
  it('should write the same pack text as the pack format, with sizes never below the real ones', () => {
    const messages = Array.from({ length: 400 }, (_, i) => {
      const body = bodies[i % bodies.length]!;
      return { body, bytes: Buffer.byteLength(body), packable: true };
    });
    const packs = packTaskMessages(messages, 4);
    expect(packs).toHaveLength(100);
    for (const [i, pack] of packs.entries()) {
      expect(pack.body).toBe(packTasks(messages.slice(4 * i, 4 * i + 4).map((m) => m.body)));
      expect(pack.bytes).toBeGreaterThanOrEqual(Buffer.byteLength(pack.body));
    }
  });

  it('should leave to the pack format a message holding U+FFFE or U+FFFF, which a pack escapes', () => {
    expect(quotedEntry('{"x":"\ufffe"}', 9)).toBeUndefined();
    expect(quotedEntry('{"x":1}', 7)).toEqual({ entry: JSON.stringify('{"x":1}'), bytes: 7 + 4 + 1 });
  });
});
