// Headless Chromium for the dashboard's browser tests: the system's /usr/bin/chromium (installed
// by .ci/run), driven by playwright-core. Absent, the tests skip with a message, except under CI.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const chromiumPresent = existsSync(CHROMIUM);
/** Why the browser tests skip, or undefined when they run (always under CI, where absence fails). */
export const skipReason =
  chromiumPresent || process.env.CI === 'true'
    ? undefined
    : `dashboard browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or run .ci/run)`;

/** A fresh browser profile; `close` removes it. */
export async function launchBrowser(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  if (!chromiumPresent) throw new Error(`Chromium is missing at ${CHROMIUM}: .ci/run installs it with apt-get`);
  const profile = mkdtempSync(join(tmpdir(), 'mazepa-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
