import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';

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

/** A page of the dashboard at `base`, signed in with the admin token, and the CSP violations it logs. */
export async function openSignedInPage(
  base: string,
  token: string,
): Promise<{ browser: Browser; page: Page; cspViolations: string[] }> {
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const cspViolations: string[] = [];
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  await page.goto(`${base}/?token=${token}`);
  return { browser, page, cspViolations };
}

/** Follows the dashboard nav's link to `path`; the page's heading and the current nav item. */
export async function followNav(
  page: Page,
  base: string,
  path: string,
): Promise<{ heading: string; current: string }> {
  await page.goto(`${base}/`);
  await page.click(`nav.pages a[href="${path}"]`);
  await page.waitForURL(`${base}${path}`);
  return {
    heading: await page.locator('h1').innerText(),
    current: await page.locator('nav.pages a[aria-current=page]').innerText(),
  };
}
