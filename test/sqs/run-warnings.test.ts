// What `mazepa run` on SQS prints about the messages it refuses (finding 5 of issue 17): their
// text escaped (no escape codes, bidi controls or line breaks reach stderr: no forged log lines),
// and one warning per kind for a burst of junk, not one per message. The listener alone, with
// its count of the warnings not shown: test/hardening-round2.test.ts.
import { GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { encodeOutcomeEnvelope } from 'mazepa/sqs';
import { type MazepaChild } from '../fixtures/run/spawn-mazepa.js';
import '../fixtures/sqs/ops.js'; // the operations the worker here runs (countRun)
import { queueNamed } from './admin-helpers.js';
import { queueUrl, runCounted, startHeldWorker, useEmulator } from './helpers.js';

const emulator = useEmulator();
const FORGED = '\u001b[31m\r\nmazepa: forged line\u202e';

/** Resolves once the queue at `url` holds no message, visible or not (each try waits for SQS). */
async function drained(url: string): Promise<void> {
  for (let tries = 0; tries < 2000; tries++) {
    const { Attributes = {} } = await emulator.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    if (Attributes.ApproximateNumberOfMessages === '0' && Attributes.ApproximateNumberOfMessagesNotVisible === '0') {
      return;
    }
  }
  throw new Error(`${url} was not drained`);
}

describe("mazepa run's warnings about refused messages (finding 5)", () => {
  it('should print their text escaped, one warning for a burst of 30', async () => {
    const QUEUE = 'warn-tasks';
    // countRun holds its task until the gate opens.
    const held = await startHeldWorker(emulator.client, QUEUE, 'run-warnings');
    const { log } = held;
    let run: MazepaChild | undefined;
    try {
      run = runCounted(emulator.endpoint, [log, 1, 0], ['--queue-name', QUEUE]);
      await held.running; // the run's task is held: its outcome queue is read meanwhile
      const url = await queueUrl(emulator.client, await queueNamed(emulator.client, `${QUEUE}-out-`));
      // Outcomes of another execution whose id would forge a line.
      const forged = encodeOutcomeEnvelope({
        executionId: `x${FORGED}`,
        taskId: 't',
        attempt: 1,
        executionSecs: 0,
        returnValue: 1,
      });
      for (let batch = 0; batch < 3; batch++) {
        const Entries = Array.from({ length: 10 }, (_, i) => ({
          Id: String(i),
          MessageBody: forged,
        }));
        await emulator.client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries }));
      }
      await drained(url); // each read, refused and deleted
      await held.open(); // the gate opens: the run ends
      const done = await run.exited;
      expect(done.code).toBe(0);
      expect(done.stdout).toContain('total 0');
      const lines = done.stderr.split('\n');
      // eslint-disable-next-line no-control-regex -- control characters are what it looks for
      expect(done.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
      expect(lines.filter((line) => line.startsWith('mazepa: forged'))).toEqual([]);
      const refused = lines.filter((line) => line.includes(`outcome queue '${QUEUE}-out-`));
      expect(refused.length).toBeGreaterThanOrEqual(1);
      expect(refused.length).toBeLessThanOrEqual(2); // 30 refused within 10 s: one line (two if the burst straddles)
      expect(refused[0]).toContain(
        String.raw`an outcome of execution x\x1b[31m\r\nmazepa: forged line\u202e (ignored)`,
      );
    } finally {
      run?.child.kill('SIGKILL');
      await held.stop();
    }
  });
});
