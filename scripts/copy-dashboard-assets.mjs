// Copies the dashboard page's static files (HTML, CSS, plain browser JS) into dist after tsc.
import { cpSync } from 'node:fs';

cpSync(new URL('../src/dashboard/assets/', import.meta.url), new URL('../dist/dashboard/assets/', import.meta.url), {
  recursive: true,
});
