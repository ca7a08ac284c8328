import { MazepaError } from '../../../flows/errors.js';
import { HeldReceipts } from './held-receipts.js';
import { startHeartbeatThread, type HeartbeatThread } from './heartbeat-thread.js';
import { SqsQueueError } from '../calls/sqs-error.js';
import type { SqsConnection } from '../calls/sqs-connection.js';
import { extendVisibility } from './worker-calls.js';

/**
 * @internal Keeps the messages a worker holds hidden from other workers: every third of the
 * visibility timeout, their visibility is extended (ten per ChangeMessageVisibilityBatch).
 *
 * The beats run on a thread of their own, with an SQS client of their own made from the same
 * configuration (the queue's `region` and `endpoint`, else the SDK's), so that a task that blocks
 * the event loop still keeps its message. A queue given its own `client` (which cannot be handed
 * to another thread), or a thread that cannot start, beats on the event loop instead.
 */
export class VisibilityHeartbeat {
  readonly #queue: SqsConnection;
  readonly #onError: (error: unknown) => void;
  /** The messages held; beaten here when no thread does it. */
  readonly #held: HeldReceipts;
  #thread: HeartbeatThread | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #stopped = false;

  constructor(queue: SqsConnection, onError: (error: unknown) => void) {
    this.#queue = queue;
    this.#onError = onError;
    this.#held = new HeldReceipts((receipts) => extendVisibility(queue, receipts), onError);
  }

  /**
   * Starts beating, on a thread of its own when the queue made its own client; resolves once
   * it beats (a thread loads in a moment: a task held before that would go unguarded).
   */
  async start(): Promise<void> {
    if (this.#queue.options.client === undefined) {
      try {
        this.#thread = this.#startThread();
        await this.#thread.ready;
        return;
      } catch (error) {
        this.#fallBack(error);
      }
    }
    this.#beatHere();
  }

  /** Keeps a message hidden from now on; call it before its task starts. */
  hold(receipt: string): void {
    this.#held.hold(receipt);
    this.#thread?.send({ hold: receipt });
  }

  /** Stops keeping a message hidden (its task is done, its message deleted or handed back). */
  release(receipt: string): void {
    this.#held.release(receipt);
    this.#thread?.send({ release: receipt });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    const thread = this.#thread;
    this.#thread = undefined;
    await thread?.stop();
  }

  #startThread(): HeartbeatThread {
    const { url, name, options } = this.#queue;
    const data = {
      queueUrl: url,
      queueName: name,
      region: options.region,
      endpoint: options.endpoint,
      visibilityTimeoutSec: options.visibilityTimeoutSec,
      periodMs: this.#periodMs(),
    };
    return startHeartbeatThread(
      data,
      ({ message, operation }) => this.#onError(new SqsQueueError(message, { queueName: name, operation })),
      (error) => this.#fallBack(error),
    );
  }

  /** The thread failed: the messages held go on being kept hidden, from the event loop. */
  #fallBack(error: unknown): void {
    this.#thread = undefined;
    this.#onError(new MazepaError('the heartbeat thread failed: heartbeats run on the event loop', { cause: error }));
    this.#beatHere();
  }

  #beatHere(): void {
    if (this.#stopped || this.#timer !== undefined) return;
    this.#timer = setInterval(() => void this.#held.beat(), this.#periodMs());
  }

  #periodMs(): number {
    return Math.max(200, (this.#queue.options.visibilityTimeoutSec * 1000) / 3);
  }
}
