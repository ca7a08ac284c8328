import { telemetryOf } from './execution-telemetry.js';
import { recordCheckpointDuration } from './task-metrics.js';

/**
 * Tells the telemetry of a checkpoint write of `executionId` that took `secs`: a
 * `mazepa.checkpoint.written` event on the execution's span (while it runs) and a
 * `mazepa.checkpoint.duration` measure, when an SDK is registered; nothing otherwise.
 *
 * @internal
 */
export function checkpointWritten(executionId: string, kind: 'sync' | 'close', secs: number, completed: number): void {
  recordCheckpointDuration(secs, kind);
  telemetryOf(executionId)?.event('mazepa.checkpoint.written', {
    'mazepa.checkpoint.kind': kind,
    'mazepa.checkpoint.completed': completed,
    'mazepa.checkpoint.duration_ms': secs * 1000,
  });
}
