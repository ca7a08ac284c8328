import type { Observable } from 'rxjs';
import { serveRun } from '../dashboard/serve-dashboard.js';
import type { ExecutionEvent } from '../streams/execution-event.js';
import type { DashboardSetting } from '../streams/execute-options.js';
import type { ExecutionQueue } from '../streams/execution-queue.js';
import type { CountsProbe } from '../streams/run-execution.js';
import { depthOption, sendsTasksAway } from './queue-reach.js';

/** @internal The dashboard of one run of `execute`, decided once from its options and its queue. */
export interface RunDashboard {
  readonly setting: DashboardSetting;
  /** Filled by the engine: the page reads the counts per operation from its counters. */
  readonly probe: CountsProbe;
  /** Whether the page needs the per-task events: only for the workers that remote outcomes name. */
  readonly taskEvents: boolean;
}

/** @internal The run's dashboard when `setting` asks for one, else `undefined`. */
export function runDashboard(setting: DashboardSetting | undefined, queue: ExecutionQueue): RunDashboard | undefined {
  if (setting === undefined) return undefined;
  return { setting, probe: {}, taskEvents: sendsTasksAway(queue) };
}

/** @internal The run, served as a live page; the queue's depth shown when it can tell. */
export function withDashboard(
  events: Observable<ExecutionEvent>,
  dashboard: RunDashboard,
  queue: ExecutionQueue,
): Observable<ExecutionEvent> {
  return serveRun(events, { ...dashboard.setting, ...depthOption(queue) }, () => dashboard.probe.operations);
}
