// The full-size fault run (`npm run chaos`, not part of `npm test`): 2,000 tasks in 4 layers on
// 4 CLI workers, 20% of the SQS calls failing (500s, throttling, dropped connections) and a 10 s
// outage in the middle. The checks are those of the fast variant in sqs-chaos.test.ts.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { checkChaos } from './chaos-check.js';
import { killWorkers, startEmulator, type Emulator } from './helpers.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await killWorkers();
  await emulator?.stop();
});

describe('SQS under injected faults, full size', () => {
  it('should complete a 2,000-task layered run with 20% faults and a 10 s outage, workers staying up', async () => {
    await checkChaos(emulator, {
      name: 'chaos-full',
      tasks: 2000,
      layers: 4,
      workers: 4,
      concurrency: 16,
      faultRate: 0.2,
      outageMs: 10_000,
      outageAfterCalls: 400,
    });
  });
});
