// mazepa/testing: what users need to marble-test their own flows in virtual time.
export {
  MarbleExecutionQueue,
  type MarbleExecutionQueueOptions,
  type MarblePush,
} from './adapters/testing/marble-execution-queue.js';
