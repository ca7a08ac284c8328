import { fileURLToPath } from 'node:url';
import { transformWithEsbuild, type Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * Operation names default to the function's own name. Vite's esbuild step renames a function
 * expression that has the name of the const it is assigned to (`const add =
 * taskableOperation(function add() {})` gets `add2`) and forces `keepNames` off, so operations
 * would register under other names in tests than in Node or tsx. This runs esbuild first with
 * `keepNames`, which pins each function's `name`.
 */
const keepFunctionNames: Plugin = {
  name: 'mazepa:keep-function-names',
  enforce: 'pre',
  async transform(code, id) {
    const file = id.split('?')[0]!;
    if (!/\.[cm]?ts$/.test(file) || file.includes('/node_modules/')) return null;
    const result = await transformWithEsbuild(code, file, { keepNames: true, target: 'es2022', sourcemap: true });
    return { code: result.code, map: result.map };
  },
};

export default defineConfig({
  plugins: [keepFunctionNames],
  resolve: {
    alias: [
      { find: /^mazepa$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      { find: /^mazepa\/sqs$/, replacement: fileURLToPath(new URL('./src/sqs.ts', import.meta.url)) },
      {
        find: /^mazepa\/testing$/,
        replacement: fileURLToPath(new URL('./src/testing.ts', import.meta.url)),
      },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'marbles/**/*.marble.test.ts'],
    typecheck: { enabled: false },
    testTimeout: 60_000,
    // Suites that start emulators and worker processes need more than the default 10 s on a busy machine.
    hookTimeout: 120_000,
    // Two files at a time even on 2 cores (vitest's default is cores - 1): most SQS files wait on
    // worker processes and visibility timeouts, not the CPU. 527 s -> 298 s for the suite here.
    maxWorkers: 2,
  },
});
