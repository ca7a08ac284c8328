// The full-size fault run (`npm run chaos`, not part of `npm test`): 2,000 tasks in 4 layers on
// 4 CLI workers, 20% of the SQS calls failing (500s, throttling, dropped connections), 5% of the
// sends, deletes and visibility changes applied and their answer lost, and an
// outage in the middle that lasts until 300 calls were dropped (about 6 s here: the run prints
// it; kept under the 30 s visibility timeout, past which SQS itself redelivers running tasks).
// The checks are those of the fast variant in sqs-chaos.test.ts.
import { describe, it } from 'vitest';
import { checkChaos } from './chaos-check.js';
import { useEmulator } from './helpers.js';

const emulator = useEmulator();

describe('SQS under injected faults, full size', () => {
  it('should complete a 2,000-task layered run with 20% faults, 5% lost answers and an outage of 300 calls, workers staying up', async () => {
    await checkChaos(emulator, {
      name: 'chaos-full',
      tasks: 2000,
      layers: 4,
      workers: 4,
      concurrency: 16,
      faultRate: 0.2,
      lostRate: 0.05,
      outageAfterCalls: 400,
      outageCalls: 300,
    });
  });
});
