// A stubbed SQS client, for unit tests of error paths (integration tests use a real server).
import type { SQSClient } from '@aws-sdk/client-sqs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** A call the stub received: the command's name without `Command`, and its input. */
export type Sent = { name: string; input: Record<string, any> };

/** A client whose `send` answers with `reply(commandName, input, abortSignal)`. */
export function stubClient(reply: (name: string, input: Record<string, any>, signal?: AbortSignal) => unknown): {
  client: SQSClient;
  sent: Sent[];
} {
  const sent: Sent[] = [];
  const client = {
    send: async (
      command: { constructor: { name: string }; input: Record<string, any> },
      options?: { abortSignal?: AbortSignal },
    ) => {
      const name = command.constructor.name.replace(/Command$/, '');
      sent.push({ name, input: command.input });
      return reply(name, command.input, options?.abortSignal);
    },
    destroy: () => undefined,
  } as unknown as SQSClient;
  return { client, sent };
}

/**
 * A long poll that finds nothing: it ends when aborted, as the SDK's does, or, for a poll that
 * its caller lets run to its end (a stopping worker's), empty once `ends` aborts: the moment the
 * test stands for its `WaitTimeSeconds` running out.
 */
export function idlePoll(signal: AbortSignal | undefined, ends?: AbortSignal): Promise<{ Messages?: never }> {
  return new Promise((resolve, reject) => {
    signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
    if (ends?.aborted === true) resolve({});
    ends?.addEventListener('abort', () => resolve({}));
  });
}
