import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

/** The Chromium the browser tests drive; CHROMIUM_PATH points them at another one. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Part of every browser suite's name, so the summary can count the ones skipped. */
export const BROWSER_MARK = '[Chromium]';

export function hasChromium(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/** What the summary says when browser tests were skipped. */
export function browserSkipHint(skipped: number): string {
  return (
    `browser tests: ${skipped} skipped, because there is no Chromium at ${CHROMIUM_PATH}. ` +
    'To run them, install it (Debian and Ubuntu: apt-get install chromium) or set CHROMIUM_PATH ' +
    'to a Chromium binary.'
  );
}

/** The name of a browser suite: its title and the mark. */
export function browserSuite(title: string): string {
  return `${title} ${BROWSER_MARK}`;
}

export async function launchChromium(): Promise<Browser> {
  // Loaded here, not on import: the summary reporter reads this file too.
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
