import { afterEach, describe, expect, it, vi } from 'vitest';

async function printed(run: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.join(' '));
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return lines;
}

describe('seed examples', () => {
  afterEach(() => vi.restoreAllMocks());

  it('should greet with plain tasks in a plain flow', async () => {
    const { main } = await import('../examples/seed-1-tasks.js');
    expect(await printed(main)).toEqual(['Hello Albert!', 'Hello Isaac!']);
  });

  it('should greet with an operation and a flow schema', async () => {
    const { main } = await import('../examples/seed-2-schemas.js');
    expect(await printed(main)).toEqual(['Hello Albert!', 'Hello Isaac!']);
  });

  it('should greet with decorated class operations and flow schemas', async () => {
    const { main } = await import('../examples/seed-3-classes.js');
    expect(await printed(main)).toEqual(['Hi Albert!', 'Hi Isaac!']);
  });
});
