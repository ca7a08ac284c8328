import { merge, type Observable } from 'rxjs';
import type { Flow } from '../../flows/flow.js';
import type { Task } from '../../flows/task.js';
import type { AdoptedTasks } from './adopted-tasks.js';
import { applyCompletion } from './apply-completion.js';
import { batchTasks, createBatchingSink } from './batching-sink.js';
import { createDeadlockCheck } from './deadlock-check.js';
import type { ExecutionEvent } from '../execution-event.js';
import type { ResolvedOptions } from '../execute-options.js';
import { closeFlows, createFlowLifecycle, type FailureOrigin } from './flow-lifecycle.js';
import { createFlowStepper } from './flow-stepper.js';
import { createGate, toError } from './gate.js';
import { createFlowNode, type FlowNode, type TaskNode } from './nodes.js';
import type { Completion, RetryStageConfig } from './retry-stage.js';
import { createStats } from './stats.js';
import { createSubflows } from './subflows.js';
import { createTaskStart, type TaskStartConfig } from './task-start.js';
import { createTaskTable } from './task-table.js';
import { routeYields } from './yield-router.js';

/** What the pipeline needs from the execution around it. @internal */
export interface ExecutionPipelineConfig extends Pick<
  ResolvedOptions,
  'executionId' | 'maxBatchLen' | 'maxInFlight' | 'raiseOnFailedTask' | 'completed' | 'taskEvents'
> {
  /** A re-attached run's tasks that the earlier run pushed (see `adopted-tasks.ts`). */
  readonly adopted?: AdoptedTasks;
  /** See {@link TaskStartConfig.completedUnder}. */
  readonly completedUnder?: TaskStartConfig['completedUnder'];
  readonly emit: (event: ExecutionEvent) => void;
  /** The root flow is done: `error` is set when it failed. */
  readonly finish: (error: Error | undefined, origin: FailureOrigin | undefined) => void;
}

/** The stages of one execution, put together; see {@link createExecutionPipeline}. @internal */
export interface ExecutionPipeline {
  /** The batches for `pushTasks`: subscribing connects the stages (do it before `start`). */
  readonly batches: Observable<Task[]>;
  start(): void;
  /** The completion stream's observer (after the retry stage). */
  complete(completion: Completion): void;
  /** What the retry stage works with: the task table, the way back to the sink, the stats, the retries waiting. */
  readonly retrying: Pick<RetryStageConfig, 'lookup' | 'resubmit' | 'stats' | 'pending'>;
  /** An adopted task's outcome cannot come any more: push it (now, or when it is yielded). */
  requeue(taskId: string): void;
  /** Cancels everything: closes generators (running their `finally`). */
  dispose(): void;
}

/**
 * The engine for one execution of `root`: the ready queue steps flows, their yields (merged with
 * what observable flows emit) go through the router into the batching sink, and completions go
 * through the gate back to the flows. Synchronous: a flow resumes in the call that applies the
 * completion it waits on, which is what keeps marble tests exact. @internal
 */
export function createExecutionPipeline(root: Flow<unknown>, config: ExecutionPipelineConfig): ExecutionPipeline {
  const { executionId, maxBatchLen, raiseOnFailedTask, adopted, emit, finish } = config;
  const rootNode = createFlowNode(root, undefined);
  const [stats, tasks, retries] = [createStats(), createTaskTable(), { count: 0 }];
  const flows = new Map([[root.id, rootNode]]);
  let stopped = false;
  // The stages refer to one another through these (the gate ends flows, the lifecycle settles them).
  const fail = (flow: FlowNode, error: unknown): void => lifecycle.fail(flow, toError(error));
  const complete = (flow: FlowNode): void => lifecycle.complete(flow);
  const returned = (flow: FlowNode, value: unknown): void => lifecycle.returned(flow, value);
  const sink = createBatchingSink({ ...config, stats, taskEvents: config.taskEvents !== false });
  const stepper = createFlowStepper({ maxBatchLen, hasRoom: () => sink.hasRoom(), returned, threw: fail });
  const { makeReady, pump } = stepper;
  const gate = createGate({ raiseOnFailedTask, tasks, flows, makeReady, completeFlow: complete, failFlow: fail });
  const subflows = createSubflows({ flows, gate, makeReady, fail, moved: pump });
  const lifecycle = createFlowLifecycle({ executionId, root: rootNode, emit, gate, stop: subflows.stop, finish });
  const startTask = createTaskStart({
    executionId,
    tasks,
    completed: config.completed,
    ...(config.completedUnder === undefined ? {} : { completedUnder: config.completedUnder }),
    gate,
    stats,
    emit,
  });
  const apply = applyCompletion({ raiseOnFailedTask, tasks, sink, gate, taskFailed: lifecycle.taskFailed });
  const busy = (): boolean => stepper.hasReady || sink.inFlight > 0 || subflows.streaming > 0 || retries.count > 0;
  stepper.idle.subscribe(() => {
    sink.flush();
    adopted?.replay();
  });
  stepper.quiet.subscribe(createDeadlockCheck({ executionId, root: rootNode, flows, gate, busy, fail, moved: pump }));
  const back = (node: TaskNode): void => {
    sink.add(node, false);
    pump();
  };
  return {
    batches: merge(stepper.yields, subflows.yields).pipe(
      routeYields({ startTask, startFlow: subflows.start, gate }),
      batchTasks(sink, adopted && ((id) => adopted.claim(id))),
    ),
    start() {
      root.status = 'running';
      subflows.launch(rootNode);
      pump();
    },
    complete(completion) {
      if (stopped) return;
      apply(completion);
      pump();
    },
    retrying: { lookup: tasks.node, resubmit: back, stats, pending: retries },
    requeue(taskId) {
      const node = stopped || adopted?.lost(taskId) !== true ? undefined : tasks.node(taskId);
      if (node?.state !== 'submitted') return;
      node.state = 'queued';
      back(node);
    },
    dispose() {
      if (stopped) return;
      stopped = true;
      stepper.stop();
      sink.close();
      closeFlows(flows.values());
    },
  };
}
