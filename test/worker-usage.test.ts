// `mazepa worker`'s usage checks, the same for one process and for a fleet (--processes).
import { describe, expect, it } from 'vitest';
import { fleetAction, workerAction, type WorkerFlags } from '../src/cli/worker-command.js';

describe('mazepa worker usage', () => {
  it('should exit 2 without a queue or without --import, saying which, with or without --processes', async () => {
    const cases: [Partial<WorkerFlags>, string][] = [
      [{ import: ['./ops.js'] }, 'mazepa worker: give --queue-name (or --queue-url)'],
      [{ queueName: 'q' }, 'mazepa worker: give --import with the module(s) that define the operations to run'],
      [
        { queueName: 'q', import: [] },
        'mazepa worker: give --import with the module(s) that define the operations to run',
      ],
    ];
    for (const [given, said] of cases) {
      const flags = { concurrency: 1, ...given } as WorkerFlags;
      const lines: string[] = [];
      expect(await workerAction(flags, (line) => lines.push(line))).toBe(2);
      const argv = ['node', 'mazepa', 'worker', '--processes', '2'];
      expect(await fleetAction({ ...flags, processes: 2 }, argv, (line) => lines.push(line))).toBe(2);
      expect(lines).toEqual([said, said]);
    }
  });
});
