import { map, type OperatorFunction } from 'rxjs';
import type { Completion, ExecutionGraph, Readied } from './graph/execution-graph.js';

/**
 * The gate, an operator: the completion stream in, the flows to resume out. Each completion is
 * applied to the graph (the task table keeps the task's value, its Task objects get the outcome,
 * and the waits count it off): every flow whose `Dependency` it was the last of, or whose
 * children are now all done, is made ready, or gets the task's failure thrown into it; the gate
 * emits those flows (often none) in the call that delivered the completion, and the flow driver
 * gives them their turns. Synchronous, which keeps marble tests exact.
 *
 * @internal
 */
export function gate(graph: Pick<ExecutionGraph, 'taskCompleted'>): OperatorFunction<Completion, Readied> {
  return map((completion) => graph.taskCompleted(completion));
}
