import { describe, expect, it } from 'vitest';
import { formatWorkerEvent } from '../src/cli/worker-events.js';

const failed = {
  type: 'task_finished',
  taskId: 'resize-abc',
  operationName: 'resize',
  executionId: 'e',
  attempt: 3,
  failed: true,
  executionSecs: 0.25,
  error: {
    name: 'RangeError',
    message: 'chunk 7 is out of bounds',
    stack: 'RangeError: chunk 7\n    at resize (ops.ts:3:9)',
  },
} as const;

describe('formatWorkerEvent', () => {
  it("should show a failed task's error name, message and attempt, and its stack only when verbose", () => {
    expect(formatWorkerEvent(failed, false)).toBe(
      "mazepa worker: task resize-abc failed in 0.250 s ('resize', attempt 3): RangeError: chunk 7 is out of bounds",
    );
    expect(formatWorkerEvent(failed, true)).toBe(
      "mazepa worker: task resize-abc failed in 0.250 s ('resize', attempt 3): RangeError: chunk 7 is out of bounds\n" +
        'RangeError: chunk 7\n    at resize (ops.ts:3:9)',
    );
    const { error: _error, ...succeeded } = failed;
    expect(formatWorkerEvent({ ...succeeded, failed: false }, false)).toBeUndefined();
  });
});
