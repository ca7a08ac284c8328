/** @internal What the worker's main thread tells the heartbeat thread. */
export type HeartbeatCommand = { readonly hold: string } | { readonly release: string };

/** @internal What the heartbeat thread tells the main thread. */
export type HeartbeatReport =
  /** The thread has loaded and beats. */
  | { readonly ready: true }
  /** A ChangeMessageVisibilityBatch call failed: the error, as plain data. */
  | { readonly failed: { readonly message: string; readonly operation: string } };

/** @internal What the heartbeat thread is started with. */
export interface HeartbeatThreadData {
  readonly queueUrl: string;
  readonly queueName: string;
  readonly region: string | undefined;
  readonly endpoint: string | undefined;
  readonly visibilityTimeoutSec: number;
  /** Milliseconds between beats. */
  readonly periodMs: number;
}
