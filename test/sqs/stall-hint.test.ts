import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { SqsExecutionQueue } from 'mazepa/sqs';
import { queueUrl, useEmulator } from './helpers.js';

const QUEUE = 'stall-hint';
const emulator = useEmulator();

describe('SqsExecutionQueue stallHint', () => {
  it('should name the dead-letter queue once messages are in it, and say nothing before', async () => {
    const queue = new SqsExecutionQueue({ queueName: QUEUE, client: emulator.client });
    await queue.connect();
    expect(await queue.stallHint()).toBeUndefined();
    const dlq = await queueUrl(emulator.client, `${QUEUE}-dlq`);
    await emulator.client.send(new SendMessageCommand({ QueueUrl: dlq, MessageBody: 'a task no worker answered' }));
    expect(await queue.stallHint()).toMatch(/1 message\(s\) are in the dead-letter queue 'stall-hint-dlq'/);
    await queue.close();
  });
});
