#!/usr/bin/env node
import { runMazepa } from './program.js';

// The process ends here, whatever handles (timers, sockets) are still open.
runMazepa(process.argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`mazepa: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
