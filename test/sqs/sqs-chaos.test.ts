// Real `mazepa run` and `mazepa worker` processes through a proxy that fails 20% of the SQS calls
// and drops all of them for a while: the run completes with the right results, no task is
// lost, and every worker stays up. The full size (2,000 tasks, a 10 s outage) is `npm run chaos`.
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

describe('SQS under injected faults', () => {
  it('should complete a layered run with 20% of the calls failing and an outage, workers staying up', async () => {
    await checkChaos(emulator, {
      name: 'chaos-small',
      tasks: 200,
      layers: 4,
      workers: 2,
      concurrency: 8,
      faultRate: 0.2,
      outageMs: 2000,
      outageAfterCalls: 60,
    });
  }, 120_000);
});
