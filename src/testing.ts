/**
 * The `mazepa/testing` entry point: what users need to marble-test their own flows in virtual time.
 *
 * @module mazepa/testing
 */
export {
  MarbleExecutionQueue,
  type MarbleExecutionQueueOptions,
  type MarblePush,
} from './adapters/testing/marble-execution-queue.js';
export { isTaskOf, type NamedOperation } from './adapters/testing/is-task-of.js';
