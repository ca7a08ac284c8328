import { describe, expect, it } from 'vitest';
import { encodeTaskEnvelope } from 'mazepa/sqs';
import { prepareTask } from '../src/adapters/remote/prepare-task.js';
import { mazepaCopies } from '../src/flows/registry.js';

const unknown = encodeTaskEnvelope({
  executionId: 'e',
  taskId: 't',
  operationName: 'registeredElsewhere',
  attempt: 1,
  replyTo: 'https://sqs.example/q-out-e',
  args: [],
});

describe('prepareTask on an operation that is not registered', () => {
  it('should say nothing of copies when one mazepa is loaded, and explain two copies when two are', () => {
    expect(mazepaCopies()).toHaveLength(1);
    const alone = prepareTask(unknown, undefined);
    expect(alone.ok).toBe(false);
    expect(!alone.ok && alone.error.message).toMatch(/Operation 'registeredElsewhere' is not registered/);
    expect(!alone.ok && alone.error.message).not.toMatch(/copies of mazepa/);
    const copies = (globalThis as Record<symbol, string[]>)[Symbol.for('mazepa.copies')]!;
    copies.push('file:///usr/lib/node_modules/mazepa/dist/flows/registry.js'); // a global install, say
    try {
      const two = prepareTask(unknown, undefined);
      expect(!two.ok && two.error.message).toMatch(
        /2 copies of mazepa are loaded in this process \(.*registry\.ts, file:\/\/\/usr\/lib\/node_modules\/mazepa\/dist\/flows\/registry\.js\)/,
      );
    } finally {
      copies.pop();
    }
  });
});
