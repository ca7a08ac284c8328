#!/usr/bin/env node
import { EXIT } from './exit-codes.js';
import { runMazepa } from './program.js';

// The AWS SDK's notice that its next versions need a newer Node is noise for a CLI user on
// Node 20; the user's own setting wins (README: AWS SDK warning).
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

// The process ends here, whatever handles (timers, sockets) are still open.
runMazepa(process.argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`mazepa: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(EXIT.failed);
  },
);
