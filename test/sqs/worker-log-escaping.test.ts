// `mazepa worker` prints what messages say (task ids, operation names, reasons) escaped: a message
// can neither forge a log line nor send escape codes to the terminal.
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SqsExecutionQueue, encodeTaskEnvelope } from 'mazepa/sqs';
import { formatWorkerEvent } from '../../src/cli/worker-events.js';
import { queueUrl, startWorker, useEmulator } from './helpers.js';

const QUEUE = 'log-escaping';
const emulator = useEmulator();

beforeAll(async () => {
  await new SqsExecutionQueue({ queueName: QUEUE, client: emulator.client }).connect();
});

const FORGED = 'mazepa worker: task t-forged succeeded in 0.001 s';

describe('mazepa worker logs', () => {
  it('should escape control characters in everything it prints from a message', async () => {
    const worker = startWorker(emulator.endpoint, QUEUE);
    await worker.waitFor(/started on queue/);
    const url = await queueUrl(emulator.client, QUEUE);
    const envelope = {
      executionId: 'e',
      taskId: `t\n${FORGED}`,
      operationName: `nowhere\r\n${FORGED}\u001b[2J\u001b]0;title\u0007\u2028x`,
      attempt: 1,
      replyTo: 'http://127.0.0.1:9/000000000000/log-escaping-out-e',
      args: [],
    };
    await emulator.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: encodeTaskEnvelope(envelope) }));
    const line = await worker.waitFor(/rejected, not run/);
    worker.child.kill('SIGTERM');
    await worker.exited;
    const output = [...worker.stdout, ...worker.stderr];
    expect(output).not.toContain(FORGED);
    // eslint-disable-next-line no-control-regex -- no control character may be printed
    expect(output.join('\n')).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u2028]/);
    expect(line).toContain(String.raw`nowhere\r\n${FORGED}\x1b[2J\x1b]0;title\x07\u2028x`);
  });

  it('should escape every text field of every event', () => {
    const bad = 'a\nb\u001b';
    const lines = [
      formatWorkerEvent({ type: 'task_started', taskId: bad, operationName: bad, executionId: bad, attempt: 1 }, true),
      formatWorkerEvent(
        {
          type: 'task_finished',
          taskId: bad,
          operationName: bad,
          executionId: bad,
          attempt: 1,
          failed: true,
          executionSecs: 1,
        },
        false,
      ),
      formatWorkerEvent({ type: 'task_dropped', taskId: bad, operationName: bad, executionId: bad, attempt: 1 }, false),
      formatWorkerEvent({ type: 'message_rejected', messageId: bad, taskId: bad, reason: bad, reported: false }, false),
      formatWorkerEvent({ type: 'worker_error', error: new Error(bad) }, false),
    ];
    for (const line of lines) {
      expect(line).toContain(String.raw`a\nb\x1b`);
      expect(line).not.toMatch(/\n|\x1b/); // eslint-disable-line no-control-regex
    }
  });
});
