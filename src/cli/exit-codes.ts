/**
 * The exit codes of every `mazepa` command: 0 done, 1 failed (a task, a flow, an SQS or S3
 * call), 2 bad usage, 130 interrupted (SIGINT), 143 terminated (SIGTERM) at once.
 *
 * @internal
 */
export const EXIT = { done: 0, failed: 1, usage: 2, interrupted: 130, terminated: 143 } as const;
