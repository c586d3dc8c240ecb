/**
 * Debian's chromium driven by playwright-core: the browser code-server's workbench runs in (an extension host
 * only starts once a workbench page connects). playwright gives each launch a fresh temporary profile.
 */
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

export const VIEWPORT = { width: 1400, height: 900 };

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
