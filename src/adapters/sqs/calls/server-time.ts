/**
 * The time SQS (or S3) says it is: the `Date` header of its answer. `mazepa queues` judges a
 * heartbeat's age by it, not by the clock of the host it runs on, so a skewed admin host cannot
 * take a live run for a dead one.
 */
import type { MiddlewareStack } from '@smithy/types';

/** @internal A command whose answer's `Date` header can be read once it is sent. */
export function withServerTime<C extends { middlewareStack: MiddlewareStack<any, any> }>(
  command: C,
): { command: C; serverTime: () => number | undefined } {
  let date: string | undefined;
  command.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const headers = (result.response as { headers?: Record<string, string | undefined> } | undefined)?.headers;
      date = headers?.date ?? headers?.Date;
      return result;
    },
    { step: 'deserialize', name: 'mazepaServerTime' },
  );
  return {
    command,
    serverTime: () => {
      const at = date === undefined ? Number.NaN : Date.parse(date);
      return Number.isFinite(at) ? at : undefined;
    },
  };
}
