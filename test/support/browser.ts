import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/**
 * Debian's chromium (browser downloads cannot work here), or MP_CHROMIUM. CI installs the package, so
 * there a missing browser fails the suite; elsewhere the console tests are skipped with this reason.
 */
export const CHROMIUM =
  process.env.MP_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
export const chromiumMissing =
  CHROMIUM || process.env.CI ? undefined : 'no chromium found (apt-get install chromium, or set MP_CHROMIUM)';

export async function launchBrowser(): Promise<Browser> {
  if (!CHROMIUM) throw new Error('no chromium found: install the Debian package (apt-get install chromium)');
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      // CI containers (root, or no user namespaces) cannot start Chromium's sandbox; the pages are our own.
      '--no-sandbox',
      '--autoplay-policy=no-user-gesture-required',
      '--disable-dev-shm-usage',
      '--mute-audio',
    ],
  });
}

/** Every uncaught error and console error of a page, to assert there were none. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${(error as Error).message ?? String(error)}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console.error: ${message.text()}`);
  });
  return errors;
}
