import { describe, expect, it } from 'vitest';
import { EMPTY, NEVER } from 'rxjs';
import { abortOnSignals } from '../src/streams/interrupts.js';
import { spawnScript } from './fixtures/run/spawn-mazepa.js';

/** Runs `body` with this process's own SIGINT/SIGTERM listeners set aside, so `process.emit` reaches only ours. */
function withOwnSignals(body: () => void): void {
  const saved = (['SIGINT', 'SIGTERM'] as const).map((s) => [s, process.listeners(s)] as const);
  for (const [s] of saved) process.removeAllListeners(s);
  try {
    body();
  } finally {
    for (const [s, listeners] of saved) {
      process.removeAllListeners(s);
      for (const l of listeners) process.on(s, l);
    }
  }
}

describe('abortOnSignals', () => {
  it('should abort on the first signal and end the process at once on the second', () => {
    withOwnSignals(() => {
      const controller = new AbortController();
      const exits: number[] = [];
      const subscription = NEVER.pipe(abortOnSignals(controller, (code) => exits.push(code))).subscribe();
      process.emit('SIGINT', 'SIGINT');
      expect(controller.signal.aborted).toBe(true);
      expect((controller.signal.reason as Error).message).toBe('Interrupted by SIGINT');
      expect(exits).toEqual([]);
      process.emit('SIGTERM', 'SIGTERM');
      expect(exits).toEqual([143]);
      subscription.unsubscribe();
      expect(process.listenerCount('SIGINT')).toBe(0);
    });
  });

  it('should leave signals to the program once the run is over', () => {
    withOwnSignals(() => {
      const controller = new AbortController();
      EMPTY.pipe(abortOnSignals(controller, () => undefined)).subscribe();
      expect(process.listenerCount('SIGINT') + process.listenerCount('SIGTERM')).toBe(0);
    });
  });
});

describe('execute on SIGINT without a checkpoint', () => {
  for (const kind of ['local', 'threads']) {
    it(`should reject with MazepaCancelledError and run the program's finally (${kind} queue)`, async () => {
      const run = spawnScript('test/fixtures/run/interrupted-run.ts', [kind]);
      await run.printed('held first');
      run.child.kill('SIGINT');
      const { code, signal, stdout } = await run.exited;
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(stdout).toContain('caught MazepaCancelledError\nfinally\n');
      expect(stdout).not.toContain('finished');
    });
  }
});
