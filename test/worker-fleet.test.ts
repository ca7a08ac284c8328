import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { restartDelayMs, superviseWorkers, type WorkerChild } from '../src/cli/worker-fleet.js';

/** A stand-in worker process: the test makes it print, and exit. */
class FakeChild extends EventEmitter {
  static next = 100;
  readonly pid = FakeChild.next++;
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly signals: string[] = [];
  kill(signal?: NodeJS.Signals | number): boolean {
    this.signals.push(String(signal));
    return true;
  }
  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    this.stdout.end();
    this.stderr.end();
    this.emit('close', code, signal);
  }
}

function fleet(processes: number, options: { maxRestarts?: number } = {}) {
  const scheduler = new TestScheduler(() => undefined);
  const children: FakeChild[] = [];
  const log: string[] = [];
  const forwarded: string[] = [];
  const running = superviseWorkers({
    processes,
    command: ['node', 'main.js', 'worker'],
    log: (line) => log.push(line),
    forward: (stream, line) => forwarded.push(`${stream} ${line}`),
    spawn: () => {
      const child = new FakeChild();
      children.push(child);
      return child as unknown as WorkerChild;
    },
    scheduler,
    healthyAfterMs: 60_000,
    ...options,
  });
  const until = (ms: number): void => {
    scheduler.maxFrames = ms;
    scheduler.flush();
  };
  let code: number | undefined;
  void running.exited.then((c) => (code = c));
  return { ...running, children, log, forwarded, until, code: () => code, scheduler };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('superviseWorkers', () => {
  it("should forward each worker's lines with its name in front, on the stream they came from", async () => {
    const f = fleet(2);
    f.children[0]!.stderr.write('hello from one\n');
    f.children[1]!.stdout.write('hello from two\n');
    await tick();
    expect(f.forwarded.sort()).toEqual(['stderr [w1] hello from one', 'stdout [w2] hello from two']);
  });

  it('should restart a worker that dies, at once and then after a growing delay, and give it up after maxRestarts', async () => {
    const f = fleet(2, { maxRestarts: 3 });
    expect(f.children).toHaveLength(2);
    f.children[0]!.exit(null, 'SIGKILL');
    expect(f.log.at(-1)).toMatch(/w1 \(pid \d+\) was killed by SIGKILL; restarting it now \(restart 1 of 3 in a row\)/);
    f.until(0);
    expect(f.children).toHaveLength(3);
    f.children[2]!.exit(137);
    expect(f.log.at(-1)).toMatch(/exited with code 137; restarting it in 1 s \(restart 2 of 3/);
    f.until(999);
    expect(f.children).toHaveLength(3); // not yet
    f.until(1000);
    expect(f.children).toHaveLength(4);
    f.children[3]!.exit(1);
    expect(f.log.at(-1)).toMatch(/in 2 s \(restart 3 of 3/);
    f.until(3000);
    f.children[4]!.exit(1);
    expect(f.log.at(-1)).toMatch(/w1 .* given up after 3 restart\(s\) in a row/);
    f.until(100_000);
    expect(f.children).toHaveLength(5); // w1 is not started again
    // The other worker keeps going; once it stops by itself the fleet exits 1 (one was given up).
    f.children[1]!.exit(0);
    await tick();
    expect(f.code()).toBe(1);
    expect(restartDelayMs(1)).toBe(0);
    expect(restartDelayMs(4)).toBe(4000);
    expect(restartDelayMs(20)).toBe(30_000);
  });

  it('should start a new row of restarts for a worker that ran long before it died', () => {
    const f = fleet(1, { maxRestarts: 1 });
    f.children[0]!.exit(1);
    f.until(0);
    f.scheduler.schedule(() => undefined, 60_000);
    f.until(60_000); // the restarted one runs a minute
    f.children[1]!.exit(1);
    expect(f.log.at(-1)).toMatch(/restarting it now \(restart 1 of 1 in a row\)/);
  });

  it('should stop every worker with SIGTERM and exit 0 once they have all exited; again: SIGTERM again', async () => {
    const f = fleet(3);
    f.children[2]!.exit(1); // a restart is pending when the stop comes
    f.stop();
    expect(f.children.map((c) => c.signals)).toEqual([['SIGTERM'], ['SIGTERM'], []]);
    f.until(100_000);
    expect(f.children).toHaveLength(3); // the pending restart was cancelled
    f.children[0]!.exit(0);
    f.stop();
    expect(f.children[1]!.signals).toEqual(['SIGTERM', 'SIGTERM']);
    await tick();
    expect(f.code()).toBeUndefined();
    f.children[1]!.exit(143);
    await tick();
    expect(f.code()).toBe(0);
  });

  it('should stop them all and exit 2 when a worker exits 2 (its command line is wrong)', async () => {
    const f = fleet(2);
    f.children[0]!.exit(2);
    expect(f.children[1]!.signals).toEqual(['SIGTERM']);
    f.children[1]!.exit(0);
    await tick();
    expect(f.code()).toBe(2);
  });

  it('should not restart a worker that stopped by itself (exit 0), and exit 0 when all have', async () => {
    const f = fleet(2);
    f.children[0]!.exit(0);
    f.children[1]!.exit(0);
    f.until(100_000);
    await tick();
    expect(f.children).toHaveLength(2);
    expect(f.code()).toBe(0);
  });
});
