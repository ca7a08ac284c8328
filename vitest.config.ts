import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
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
  },
});
