// Two runs on one checkpoint, on SQS (finding 6 of issue 17): while run A goes on, a second
// `mazepa run` with the same checkpoint is refused, naming the checkpoint and A's execution,
// touches none of A's queues, and A then ends well.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { execute } from 'mazepa';
import { SqsExecutionQueue } from 'mazepa/sqs';
import { counted } from '../fixtures/run/sqs-count.js';
import { startFaultProxy } from './fault-proxy.js';
import { queueNames, runCounted, startHeldWorker, useEmulator } from './helpers.js';

const emulator = useEmulator();

describe('a checkpoint in use by a live run on SQS (finding 6)', () => {
  it('should refuse a second `mazepa run` with it, naming the checkpoint and the live execution, and let the first end well', async () => {
    const QUEUE = 'shared-ckpt-tasks';
    // countRun holds its tasks until the gate opens.
    const held = await startHeldWorker(emulator.client, QUEUE, 'shared-ckpt', 2);
    const checkpoint = join(held.dir, 'job.ckpt');
    const { log } = held;
    const queue = new SqsExecutionQueue({ queueName: QUEUE, client: emulator.client, waitTimeSeconds: 1 });
    const args = [log, 2, 0] as const;
    try {
      const first = execute(counted(...args), {
        queue,
        checkpoint,
        executionId: 'shared-a',
        showProgress: false,
      });
      await held.running; // A's first task runs on the worker, held at the gate
      const [outcomeQueue] = await queueNames(emulator.client, `${QUEUE}-out-`);
      expect(outcomeQueue).toMatch(/^shared-ckpt-tasks-out-shared-a-/);

      // B talks to SQS through a proxy that watches it: a B that receives from an outcome queue or
      // sends a task went on with the checkpoint, and the test fails at once, saying so.
      const proxy = await startFaultProxy(emulator.endpoint);
      const b = runCounted(proxy.endpoint, args, ['--queue-name', QUEUE, '--checkpoint', checkpoint]);
      const used = Promise.race(
        ['ReceiveMessage', 'SendMessage', 'SendMessageBatch'].map((action) => proxy.forwardedOf(action, 1)),
      ).then(() => undefined);
      const second = await Promise.race([b.exited, used]);
      if (second === undefined) b.child.kill('SIGKILL');
      await b.exited;
      await proxy.stop();
      if (second === undefined)
        throw new Error('the second run went on with the checkpoint in use: it was not refused');
      expect(second.code).not.toBe(0);
      expect(second.stderr).toContain(
        `mazepa run: The checkpoint ${checkpoint} is in use by execution shared-a (pid ${process.pid},`,
      );
      // B neither re-attached to A's outcome queue nor made one, nor ran a task.
      expect(await queueNames(emulator.client, `${QUEUE}-out-`)).toEqual([outcomeQueue]);
      expect(await readFile(log, 'utf8')).toBe('0\n');

      await held.open(); // the gate opens: A goes on
      expect(await first).toMatchObject({ succeeded: 2, failed: 0 });
      expect((await readFile(log, 'utf8')).split('\n').filter(Boolean).sort()).toEqual(['0', '1']);
      expect(await queueNames(emulator.client, `${QUEUE}-out-`)).toEqual([]);
    } finally {
      await held.stop();
      await queue.close();
    }
  });
});
