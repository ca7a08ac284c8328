import { of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it, vi } from 'vitest';
import type { ExecutionEvent } from 'mazepa';
import { renderProgress } from '../src/streams/progress/render-progress.js';

const base = { executionId: 'e' } as const;
const submitted = (op: string, id: string): ExecutionEvent => ({
  ...base,
  type: 'task_submitted',
  taskId: id,
  operationName: op,
  attempt: 1,
});
const succeeded = (op: string, id: string): ExecutionEvent => ({
  ...base,
  type: 'task_succeeded',
  taskId: id,
  operationName: op,
  outcome: { executionSecs: 0 },
});
const failed = (op: string, id: string): ExecutionEvent => ({
  ...base,
  type: 'task_failed',
  taskId: id,
  operationName: op,
  attempt: 1,
  error: { name: 'Error', message: 'x' },
});
const skipped = (op: string, id: string): ExecutionEvent => ({
  ...base,
  type: 'task_skipped',
  taskId: id,
  operationName: op,
  outcome: { executionSecs: 0 },
});

/** A stream that records what is written to it, as a terminal would show it (escapes dropped). */
function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return {
    isTTY,
    columns: 160,
    writes,
    write(text: string) {
      writes.push(text);
      return true;
    },
    /** The lines written, with cursor movements and colours removed. */
    // eslint-disable-next-line no-control-regex
    text: () => writes.join('').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '\n'),
  };
}

function run(isTTY: boolean, marbles: string, values: Record<string, ExecutionEvent>, totals?: Record<string, number>) {
  const stream = fakeStream(isTTY);
  const scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
  scheduler.run(({ hot }) => {
    const events = hot<ExecutionEvent>(marbles, values);
    renderProgress(events, stream, scheduler, { intervalMs: 1000, ...(totals ? { totals } : {}) }).subscribe({
      error: () => {},
    });
  });
  return stream;
}

const values = {
  s: submitted('resize', 'r1'),
  t: submitted('resize', 'r2'),
  u: submitted('resize', 'r3'),
  k: skipped('resize', 'r0'),
  a: succeeded('resize', 'r1'),
  b: failed('resize', 'r2'),
  d: submitted('downsample', 'd1'),
  e: succeeded('downsample', 'd1'),
};

describe('renderProgress', () => {
  it('should draw one live bar per operation on a terminal, with counts, rate and ETA', () => {
    const stream = run(true, '(kstud) 492ms a 490ms b 1500ms e 508ms |', values, { resize: 8, downsample: 1 });
    const lines = stream
      .text()
      .split('\n')
      .filter((l) => l.trim() !== '');
    // at 1 s: resize has 1 skipped + 1 succeeded + 1 failed of 8, at 2 done per second
    expect(lines).toContainEqual(
      expect.stringMatching(/^resize +[█░]+ 3\/8 \| submitted 3 ok 1 failed 1 skipped 1 \| 2\/s \| ETA 3s$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^downsample +░+ 0\/1 \| submitted 1 ok 0 failed 0 skipped 0 \| 0\/s \| ETA \?$/),
    );
    // the last frame: downsample done
    expect(lines.at(-1)).toMatch(/^downsample +█+ 1\/1 \| submitted 1 ok 1 failed 0 skipped 0 \| 0\/s \| ETA 0s$/);
  });

  it('should redraw on the interval only, however many events arrive', () => {
    const many: Record<string, ExecutionEvent> = {};
    let marbles = '(';
    for (let i = 0; i < 500; i++) {
      const key = String.fromCharCode(0x100 + i);
      many[key] = submitted('op', `t${i}`);
      marbles += key;
    }
    marbles += ') 2500ms |';
    const stream = run(true, marbles, many);
    const frames = stream
      .text()
      .split('\n')
      .filter((l) => l.startsWith('op '));
    expect(frames[0]).toMatch(/ 0\/500 /);
    // drawn at 1, 2 and 3 s and at the end (an unchanged bar is not written again)
    expect(stream.writes.length).toBeLessThan(40);
  });

  it('should write one plain line per operation and interval when the stream is not a terminal', () => {
    const stream = run(false, '(kstud) 492ms a 490ms b 1500ms e 508ms |', values, { resize: 8 });
    expect(stream.writes.join('')).toBe(
      '[mazepa] 1.0s resize 3/8 (submitted 3, ok 1, failed 1, skipped 1) 2/s ETA 3s\n' +
        '[mazepa] 1.0s downsample 0/1 (submitted 1, ok 0, failed 0, skipped 0) 0/s ETA ?\n' +
        '[mazepa] 2.0s resize 3/8 (submitted 3, ok 1, failed 1, skipped 1) 1/s ETA 5s\n' +
        '[mazepa] 2.0s downsample 0/1 (submitted 1, ok 0, failed 0, skipped 0) 0/s ETA ?\n' +
        '[mazepa] done in 3.0s resize 3/8 (submitted 3, ok 1, failed 1, skipped 1) 1/s ETA 8s\n' +
        '[mazepa] done in 3.0s downsample 1/1 (submitted 1, ok 1, failed 0, skipped 0) 0/s ETA 0s\n',
    );
  });

  it('should say where a failed or interrupted run stopped, never "done"', () => {
    const stream = run(false, 's 99ms a 400ms #', values);
    expect(stream.writes.join('')).toBe(
      '[mazepa] stopped after 0.5s resize 1/1 (submitted 1, ok 1, failed 0, skipped 0) 2/s ETA 0s\n',
    );
  });

  it('should count a retried task as the summary does, in the bars and the lines', () => {
    const retried: ExecutionEvent = {
      ...base,
      type: 'task_retried',
      taskId: 'r1',
      operationName: 'resize',
      attempt: 1,
      delayMs: 10,
      error: { name: 'TransientError', message: 'x' },
    };
    const events = { ...values, r: retried };
    // r1 is submitted, retried, submitted again and succeeds: 2 submissions, 1 retry, 1 task done.
    const plain = run(false, 's 9ms r 9ms s 9ms a |', events);
    expect(plain.writes.join('')).toMatch(/resize 1\/1 \(submitted 2, ok 1, failed 0, skipped 0, retried 1\)/);
    const bars = run(true, 's 9ms r 9ms s 9ms a |', events);
    expect(bars.text()).toMatch(/resize +█+ 1\/1 \| submitted 2 ok 1 failed 0 skipped 0 retried 1 \|/);
  });

  it('should print what the program writes while the bars are up above them', () => {
    const stream = fakeStream(true);
    const scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
    const realStdout = vi.spyOn(process.stdout, 'write');
    scheduler.run(({ hot }) => {
      const events = hot<ExecutionEvent>('s 999ms a 999ms |', values);
      renderProgress(events, stream, scheduler, { intervalMs: 1000 }).subscribe();
      scheduler.schedule(() => void process.stdout.write('chunk 7 loaded\n'), 1500);
    });
    realStdout.mockRestore();
    expect(realStdout).not.toHaveBeenCalled();
    const text = stream.writes.join('');
    // printed once, before the frame drawn after it, and the bars drawn again below
    expect(text.split('chunk 7 loaded\n')).toHaveLength(2);
    expect(text.slice(text.indexOf('chunk 7 loaded'))).toMatch(/resize +█+ 1\/1/);
  });

  it("should show where the tasks in flight are, from the queue's depth asked at a low rate", () => {
    const stream = fakeStream(false);
    const bars = fakeStream(true);
    const answers = [
      { waiting: 2, inFlight: 0, delayed: 0 },
      { waiting: 0, inFlight: 1, delayed: 0 },
    ];
    let asked = 0;
    // Answers at once: the poll stays on virtual time.
    const depth = () => of(answers[Math.min(asked++, answers.length - 1)]!);
    const scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
    scheduler.run(({ hot }) => {
      const events = hot<ExecutionEvent>('(st) 1499ms a 1499ms |', values);
      const options = { intervalMs: 1000, depth, depthEveryMs: 2000 };
      renderProgress(events, stream, scheduler, options).subscribe();
      renderProgress(events, bars, scheduler, options).subscribe();
    });
    expect(stream.writes.join('')).toBe(
      '[mazepa] 1.0s resize 0/2 (submitted 2, ok 0, failed 0, skipped 0) 0/s ETA ?\n' +
        '[mazepa] 1.0s in flight 2 | task queue: 2 waiting, 0 held by workers, 0 delayed (messages)\n' +
        '[mazepa] 2.0s resize 1/2 (submitted 2, ok 1, failed 0, skipped 0) 1/s ETA 2s\n' +
        '[mazepa] 2.0s in flight 1 | task queue: 0 waiting, 1 held by workers, 0 delayed (messages)\n' +
        '[mazepa] 3.0s resize 1/2 (submitted 2, ok 1, failed 0, skipped 0) 0/s ETA 3s\n' +
        '[mazepa] 3.0s in flight 1 | task queue: 0 waiting, 1 held by workers, 0 delayed (messages)\n' +
        // the last snapshot, once done, has no queue line
        '[mazepa] done in 3.0s resize 1/2 (submitted 2, ok 1, failed 0, skipped 0) 0/s ETA 3s\n',
    );
    expect(asked).toBe(4); // at 0, 2 and 4 s for each display: not once per redraw
    expect(bars.text()).toMatch(/in flight 1 \| task queue: 0 waiting, 1 held by workers, 0 delayed \(messages\)/);
  });
});
