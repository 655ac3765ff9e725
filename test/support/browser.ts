import { existsSync } from 'node:fs';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';

/** Debian's chromium package (`.ci/run` installs it): the browser the console's tests drive, never a download. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Launches headless Debian chromium through playwright-core. A machine without it fails the test (with how to
 * install it), never skips it.
 *
 * @example const browser = await launchChromium();
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium; .ci/run does)`,
    );
  return chromium.launch({ executablePath: CHROMIUM });
}

/** What went wrong in a page: console errors and uncaught exceptions, as text, since it was opened. */
export function pageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => problems.push(`exception: ${e.message}`));
  return problems;
}
