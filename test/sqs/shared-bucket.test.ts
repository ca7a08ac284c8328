// Two task queues sharing a payload bucket, with runs of the same execution id (finding 4 of
// issue 17): cleaning up the orphans of one never deletes the live run's payloads of the other,
// which then ends well. The key layout and listing in detail: queue-admin.test.ts.
import { describe, expect, it } from 'vitest';
import { execute } from 'mazepa';
import { SqsExecutionQueue, deleteOrphanPayloads, runWorker } from 'mazepa/sqs';
import { echo } from '../fixtures/sqs/ops.js';
import { leftBehind, putObjects } from './admin-helpers.js';
import { objectKeys, s3Client, useEmulator } from './helpers.js';

const emulator = useEmulator();
const HOUR = 3_600_000;

describe('a payload bucket shared by two task queues (finding 4)', () => {
  it("should delete the dead run's payloads of one and keep the live run's of the other, of the same execution id", async () => {
    const BUCKET = 'shared-payloads';
    const [A, B] = ['bucket-a-tasks', 'bucket-b-tasks'];
    const EXEC = 'nightly-2025-06-01'; // a user-chosen id, the same in both
    const client = emulator.client;
    const s3 = await s3Client(emulator.endpoint, BUCKET);
    // A's run of it is gone (its heartbeat two hours old), its payloads left behind.
    await leftBehind(client, `${A}-out-${EXEC}-0a1b2c`, A, 2 * HOUR, EXEC);
    await putObjects(s3, BUCKET, `mazepa-payloads/${A}/${EXEC}/r/`, [10, 20]);
    // B's run of it is live: its task's argument waits in the bucket for a worker.
    const queue = (): SqsExecutionQueue =>
      new SqsExecutionQueue({ queueName: B, client, s3Client: s3, payloadBucket: BUCKET, waitTimeSeconds: 1 });
    const orchestrator = queue();
    const value = 'p'.repeat(300_000);
    const task = echo.makeTask(value);
    const run = execute(task, { queue: orchestrator, executionId: EXEC, showProgress: false });
    const stop = new AbortController();
    try {
      let live: string[] = [];
      for (let tries = 0; tries < 500 && live.length === 0; tries++) {
        live = await objectKeys(s3, BUCKET, `mazepa-payloads/${B}/${EXEC}/`);
      }
      expect(live).toHaveLength(1);

      const deleted = await deleteOrphanPayloads({ queueName: A, client, s3Client: s3, payloadBucket: BUCKET });
      expect(deleted.map((d) => [d.taskQueue, d.executionId, d.objects])).toEqual([[A, EXEC, 2]]);
      expect(await objectKeys(s3, BUCKET, `mazepa-payloads/${A}/`)).toEqual([]);
      expect(await objectKeys(s3, BUCKET, `mazepa-payloads/${B}/`)).toEqual(live);

      const worker = runWorker({ queue: queue(), signal: stop.signal });
      expect(await run).toMatchObject({ succeeded: 1, failed: 0 });
      expect(task.outcome?.returnValue).toBe(value);
      stop.abort();
      expect(await worker).toMatchObject({ succeeded: 1, failed: 0 });
    } finally {
      stop.abort();
      await orchestrator.close();
      s3.destroy();
    }
  });
});
