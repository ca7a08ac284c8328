import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { taskableOperation } from 'mazepa';
import {
  EnvelopeError,
  SqsExecutionQueue,
  decodeOutcomeEnvelope,
  encodeOutcomeEnvelope,
  encodeTaskEnvelope,
  runWorker,
  type WorkerEvent,
} from 'mazepa/sqs';
import { isOutcomePack, unpackOutcomes } from '../src/adapters/sqs/messages/outcome-pack.js';
import { idlePoll, stubClient } from './sqs/stub-client.js';
import { outcomeMessage } from '../src/adapters/remote/outcome-message.js';
import { WORKER_FACTS_MARK, readsWorkerFacts } from '../src/adapters/remote/worker-facts.js';
import { newRunToken } from '../src/adapters/sqs/orchestrator/run-token.js';

const facts = { host: 'node-7', pid: 4242, tasksDone: 12, tasksRunning: 3, rssBytes: 123_456_789 };
const base = { executionId: 'e', taskId: 't', attempt: 1, executionSecs: 0.5 };

describe('worker facts on outcome messages', () => {
  it('round-trip on a success and a failure, under the signature', () => {
    const signingKey = 'key';
    const ok = decodeOutcomeEnvelope(
      encodeOutcomeEnvelope({ ...base, returnValue: 1, worker: facts }, { signingKey }),
      {
        signingKey,
      },
    );
    expect(ok.outcome).toEqual({ returnValue: 1, executionSecs: 0.5, worker: facts });
    const error = { name: 'Error', message: 'boom' };
    const failed = decodeOutcomeEnvelope(encodeOutcomeEnvelope({ ...base, error, worker: facts }));
    expect(failed.outcome.worker).toEqual(facts);
    // Changed on the way, the facts fail the signature like any other field.
    const text = encodeOutcomeEnvelope({ ...base, returnValue: 1, worker: facts }, { signingKey });
    const forged = text.replace('"pid":4242', '"pid":4243');
    expect(forged).not.toBe(text);
    expect(() => decodeOutcomeEnvelope(forged, { signingKey })).toThrow(/signature/);
  });

  it('are read strictly: unknown keys and mistyped counts are refused', () => {
    const bad = (worker: unknown) => JSON.stringify({ v: 2, kind: 'outcome', ...base, returnValue: 1, worker });
    expect(() => decodeOutcomeEnvelope(bad({ host: 'h', pid: 1, cpu: 3 }))).toThrow(/unknown field "cpu"/);
    expect(() => decodeOutcomeEnvelope(bad({ host: 'h', pid: 1, done: -1 }))).toThrow(EnvelopeError);
    expect(() => decodeOutcomeEnvelope(bad({ host: '', pid: 1 }))).toThrow(/"host"/);
    // An outcome without them (an older worker) reads as before.
    expect(decodeOutcomeEnvelope(bad(undefined)).outcome).toEqual({ returnValue: 1, executionSecs: 0.5 });
  });

  it('travel only to orchestrators whose run token asks for them', () => {
    // This orchestrator's tokens ask; a token of an older one (base64url only) does not.
    const token = newRunToken();
    expect(token.endsWith(WORKER_FACTS_MARK)).toBe(true);
    expect(token.length).toBeLessThanOrEqual(64);
    expect(readsWorkerFacts(token)).toBe(true);
    expect(readsWorkerFacts('Zm9vYmFyYmF6cXV4MTIzNDU2')).toBe(false);
    expect(readsWorkerFacts(undefined)).toBe(false);
    // The message of an outcome that carries facts holds them, sized within the limit like the rest.
    const address = { replyTo: 'q', executionId: 'e', taskId: 't', attempt: 1, run: token };
    const message = outcomeMessage(address, { returnValue: 'x', executionSecs: 0, worker: facts }, undefined);
    expect(JSON.parse(message.body).worker).toEqual({
      host: 'node-7',
      pid: 4242,
      done: 12,
      running: 3,
      rss: 123_456_789,
    });
  });
});

taskableOperation(
  function factsTestTriple(n: number): number {
    return 3 * n;
  },
  { operationName: 'facts-test-triple' },
);

describe('an SQS worker', () => {
  it('adds its facts to the outcomes of tasks whose run token asks, and only to those', async () => {
    const accountUrl = 'https://sqs.us-east-1.amazonaws.com/123456789012';
    const replyTo = `${accountUrl}/tasks-out-e-a1b2c3`;
    const message = (taskId: string, run: string) => ({
      MessageId: `m-${taskId}`,
      ReceiptHandle: `r-${taskId}`,
      Body: encodeTaskEnvelope({
        executionId: 'e',
        taskId,
        operationName: 'facts-test-triple',
        attempt: 1,
        replyTo,
        run,
        args: [7],
      }),
    });
    // A token of this orchestrator, and one of an orchestrator that does not read them.
    const messages = [message('asks', newRunToken()), message('older', 'Zm9vYmFyYmF6cXV4MTIzNDU2')];
    let received = false;
    const stop = new AbortController();
    const { client, sent } = stubClient((name, _input, signal) => {
      if (name !== 'ReceiveMessage') return {};
      if (received) return idlePoll(signal, stop.signal);
      received = true;
      return { Messages: messages };
    });
    const queue = new SqsExecutionQueue({ queueUrl: `${accountUrl}/tasks`, client, visibilityTimeoutSec: 30 });
    let finished = 0;
    const onEvent = (event: WorkerEvent): void => {
      if (event.type === 'task_finished' && ++finished === messages.length) stop.abort();
    };
    const summary = await runWorker({ queue, concurrency: 2, signal: stop.signal, onEvent });
    expect(summary).toMatchObject({ succeeded: 2 });
    const bodies = sent
      .filter((s) => s.name === 'SendMessageBatch')
      .flatMap((s) => s.input.Entries.map((e: { MessageBody: string }) => e.MessageBody))
      .flatMap((b: string) => (isOutcomePack(b) ? unpackOutcomes(b) : [b]));
    const outcomes = Object.fromEntries(bodies.map((b: string) => [JSON.parse(b).taskId, decodeOutcomeEnvelope(b)]));
    expect(outcomes['older']!.outcome).toEqual({ returnValue: 21, executionSecs: expect.any(Number) });
    const worker = outcomes['asks']!.outcome.worker!;
    expect(worker).toMatchObject({ host: hostname(), pid: process.pid });
    expect(worker.tasksDone).toBeGreaterThanOrEqual(1);
    expect(worker.tasksRunning).toBeGreaterThanOrEqual(1);
    expect(worker.rssBytes).toBeGreaterThan(1_000_000);
  });
});
