// `null` and `undefined` through SQS, end to end (finding 12 of issue 17): a task returning null
// gives null to its flow, not undefined, as it does in this process; and undefined stays undefined.
// The envelope alone, threads and checkpoints: test/hardening-round2.test.ts.
import { describe, expect, it } from 'vitest';
import { execute, flowSchema } from 'mazepa';
import { SqsExecutionQueue, runWorker } from 'mazepa/sqs';
import { echo } from '../fixtures/sqs/ops.js';
import { useEmulator } from './helpers.js';

const emulator = useEmulator();

describe('null over SQS (finding 12)', () => {
  it('should give a flow null for a task returning null on a worker, and undefined for undefined', async () => {
    const QUEUE = 'null-tasks';
    const queue = (): SqsExecutionQueue =>
      new SqsExecutionQueue({ queueName: QUEUE, client: emulator.client, waitTimeSeconds: 1 });
    const stop = new AbortController();
    const worker = runWorker({ queue: queue(), signal: stop.signal });
    const orchestrator = queue();
    const values = flowSchema(function* values() {
      const got: unknown[] = [];
      for (const value of [null, undefined, [null], { a: null }]) got.push(yield* echo.makeTask(value).result());
      return got;
    });
    try {
      const summary = await execute(values(), { queue: orchestrator, showProgress: false });
      expect(summary.succeeded).toBe(4);
      expect(summary.result).toStrictEqual([null, undefined, [null], { a: null }]);
      expect((summary.result as unknown[])[0]).toBeNull();
    } finally {
      stop.abort();
      await worker;
      await orchestrator.close();
    }
  });
});
