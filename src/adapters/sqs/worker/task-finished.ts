import type { TaskOutcome } from '../../../flows/task.js';
import type { TaskEnvelope } from '../../remote/envelope.js';
import type { WorkerEvent } from './worker-options.js';

/** @internal The `task_finished` event of a task whose outcome was sent. */
export function finishedEvent(envelope: TaskEnvelope, outcome: TaskOutcome, failed: boolean): WorkerEvent {
  const { taskId, operationName, executionId, attempt } = envelope;
  const { executionSecs } = outcome;
  const finished = {
    type: 'task_finished',
    taskId,
    operationName,
    executionId,
    attempt,
    failed,
    executionSecs,
  } as const;
  if (!failed) return finished;
  // A task that returned a value that could not be sent back failed in the outcome message only.
  return { ...finished, error: outcome.error ?? { name: 'MazepaError', message: 'its result could not be sent back' } };
}
