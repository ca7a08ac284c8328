import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// `npm run chaos`: the long fault runs (test/**/*.chaos.ts), which `npm test` leaves out.
export default defineConfig({
  ...base,
  test: { ...base.test, include: ['test/**/*.chaos.ts'], testTimeout: 900_000 },
});
