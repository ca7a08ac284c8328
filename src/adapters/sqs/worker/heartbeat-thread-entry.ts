/**
 * The module the heartbeat thread of an SQS worker runs. It keeps the messages the main thread
 * holds hidden with an SQS client of its own, on a timer of its own: a task that blocks the
 * main thread's event loop (a synchronous, CPU-bound one) cannot stop it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SQSClient } from '@aws-sdk/client-sqs';
import { HeldReceipts } from './held-receipts.js';
import type { HeartbeatCommand, HeartbeatReport, HeartbeatThreadData } from './heartbeat-thread-message.js';
import { SqsQueueError } from '../calls/sqs-error.js';
import { resolveSqsOptions } from '../orchestrator/sqs-options.js';
import type { SqsConnection } from '../calls/sqs-connection.js';
import { extendVisibility } from './worker-calls.js';

const data = workerData as HeartbeatThreadData;
const port = parentPort!;
const report = (message: HeartbeatReport): void => port.postMessage(message);

// The same configuration as the main thread's client: options, else the SDK's (environment, profile).
const client = new SQSClient({
  ...(data.region === undefined ? {} : { region: data.region }),
  ...(data.endpoint === undefined ? {} : { endpoint: data.endpoint }),
  useQueueUrlAsEndpoint: false,
});
const queue: SqsConnection = {
  client,
  url: data.queueUrl,
  name: data.queueName,
  options: resolveSqsOptions({
    queueName: data.queueName,
    queueUrl: data.queueUrl,
    visibilityTimeoutSec: data.visibilityTimeoutSec,
  }),
  outcomePrefix: '',
  // Each extend call retries transient errors for at most the visibility timeout (see worker-calls);
  // a call that still fails is reported, and the next beat tries again.
  retry: { maxOutageMs: data.visibilityTimeoutSec * 1000, onRetry: () => undefined },
};
const held = new HeldReceipts(
  (receipts) => extendVisibility(queue, receipts),
  (error) =>
    report({
      failed: {
        message: error instanceof Error ? error.message : String(error),
        operation: error instanceof SqsQueueError ? error.operation : 'ChangeMessageVisibilityBatch',
      },
    }),
);

port.on('message', (command: HeartbeatCommand) => {
  if ('hold' in command) held.hold(command.hold);
  else held.release(command.release);
});
setInterval(() => void held.beat(), data.periodMs);
report({ ready: true });
