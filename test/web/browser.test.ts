import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { createWebServer } from '../../src/web/server.js';
import { browserSuite, hasChromium, launchChromium } from './chromium.js';
import { addHistory, fillStoreWithBot, type FilledStore } from './filled-store.js';

const TOKEN = 'browser-test-token-8d0c2f71b5';
const ARTIFACTS = 'test-artifacts';
// docs/dashboard.png is committed: rewrite it only when asked, or when it is missing.
const UPDATE_DOCS = process.env.UPDATE_SCREENSHOTS === '1' || !existsSync('docs/dashboard.png');

describe.skipIf(!hasChromium())(browserSuite('the dashboard in Chromium'), () => {
  let filled: FilledStore;
  let app: FastifyInstance;
  let base: string;
  let browser: Browser;
  let page: Page;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    filled = await fillStoreWithBot();
    addHistory(filled.bot.store, new Date());
    app = createWebServer({
      store: filled.bot.store,
      logger: silentLogger(),
      now: () => new Date(),
      maxCycleAgeMs: 15 * 60_000,
      host: '127.0.0.1',
      adminToken: TOKEN,
      metrics: createMetrics({ defaultMetrics: false }),
      gitlabUrl: filled.h.sim.url,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await filled?.close();
  });

  async function rows(): Promise<number> {
    return page.locator('table.incidents tbody tr').count();
  }

  it('refuses a request without the token and accepts one with it', async () => {
    const without = await fetch(`${base}/`);
    const withToken = await fetch(`${base}/`, { headers: { authorization: `Bearer ${TOKEN}` } });

    expect(without.status).toBe(401);
    expect(await without.text()).toContain('DIAGNOSER_ADMIN_TOKEN');
    expect(withToken.status).toBe(200);
  });

  it('signs in with ?token= once, and drops it from the address', async () => {
    await page.goto(`${base}/?token=${TOKEN}`);

    expect(page.url()).toBe(`${base}/`);
    const cookies = await page.context().cookies();
    expect(cookies).toContainEqual(
      expect.objectContaining({ name: 'diagnoser_session', httpOnly: true, sameSite: 'Lax' }),
    );
    expect(await page.content()).not.toContain(TOKEN);
  });

  it('lists the incidents the bot recorded', async () => {
    await page.goto(`${base}/`);

    const text = await page.locator('table.incidents').innerText();
    for (const verdict of [
      'allowlist-missing',
      'user-lacks-access',
      'not-instance-registry',
      'tag-not-found',
    ]) {
      expect(text).toContain(verdict);
    }
    expect(text).toContain('team/app → containers/poetry');
    expect(await rows()).toBeGreaterThan(4);
  });

  it('draws the charts with data, tooltips and legends', async () => {
    await page.goto(`${base}/`);

    const perDay = page.locator('#chart-per-day');
    expect(await perDay.locator('rect.bar').count()).toBeGreaterThan(5);
    expect(await perDay.locator('.legend-item').count()).toBeGreaterThanOrEqual(3);
    expect(await perDay.locator('.legend').innerHTML()).toContain('registry-pull-denied');
    expect(await perDay.locator('rect.bar title').first().textContent()).toMatch(
      /^\d{4}-\d{2}-\d{2} · .+: \d+ incidents?$/,
    );
    const projects = page.locator('#chart-projects');
    expect(await projects.locator('rect.bar').count()).toBeGreaterThan(1);
    expect(await projects.innerHTML()).toContain('team/app');
    const timing = page.locator('#chart-time-to-fix');
    expect(await timing.locator('rect.bar').count()).toBeGreaterThan(1);
    expect(await timing.locator('.legend-item').count()).toBe(2);
    const box = await perDay.boundingBox();
    expect(box?.width).toBeGreaterThan(1000); // readable on a laptop screen

    await page.screenshot({ path: `${ARTIFACTS}/dashboard.png`, fullPage: true });
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-viewport.png` });
    if (UPDATE_DOCS) {
      mkdirSync('docs', { recursive: true });
      copyFileSync(`${ARTIFACTS}/dashboard-viewport.png`, 'docs/dashboard.png');
    }
    expect(statSync(`${ARTIFACTS}/dashboard.png`).size).toBeGreaterThan(10_000);
  });

  it('narrows the list by verdict', async () => {
    await page.goto(`${base}/`);
    const before = await rows();

    await page.selectOption('select[name=verdict]', 'user-lacks-access');
    await page.click('form.filters button[type=submit]');
    await page.waitForURL(/verdict=user-lacks-access/);

    expect(await rows()).toBe(1);
    expect(await rows()).toBeLessThan(before);
    expect(await page.locator('table.incidents tbody tr td:nth-child(5)').innerText()).toBe(
      'user-lacks-access',
    );
  });

  it('searches summaries, projects and patterns', async () => {
    await page.goto(`${base}/`);

    await page.fill('input[name=q]', 'refused image');
    await page.press('input[name=q]', 'Enter');
    await page.waitForURL(/q=refused/);

    // Words of the summary the bot wrote for its registry-pull-denied incidents.
    const patterns = await page.locator('table.incidents tbody tr td:nth-child(4)').allInnerTexts();
    expect(patterns).toHaveLength(3);
    expect(new Set(patterns)).toEqual(new Set(['registry-pull-denied']));
  });

  it('opens an incident with its checks, notes and action trail', async () => {
    await page.goto(`${base}/?verdict=allowlist-missing&project=team%2Fapp`);

    await page.locator('table.incidents tbody tr a').first().click();
    await page.waitForURL(/\/incidents\/\d+$/);

    expect(await page.locator('h1').innerText()).toContain('allowlist-missing');
    expect(await page.locator('table.checks tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('table.checks').innerText()).toMatch(/pass|fail|unknown/);
    expect(await page.locator('#evidence').innerText()).toContain('pull access denied');
    expect(await page.locator('table.jobs tbody tr').count()).toBe(2);
    expect(await page.locator('table.notes').innerText()).toMatch(/merge request !1/);
    expect(await page.locator('table.notes').innerText()).toMatch(/commit/);
    expect(
      await page.locator('table.actions tr[data-kind="note-created"]').count(),
    ).toBeGreaterThan(0);
    await page.screenshot({ path: `${ARTIFACTS}/incident.png`, fullPage: true });
  });

  it('renders a script in a log line as text', async () => {
    const { incident } = filled.bot.store.incidents.upsertIncident({
      rootCauseKey: 'xss-test',
      patternId: 'registry-pull-denied',
      verdict: 'unverifiable',
      projectId: 9,
      projectPath: 'evil/<img src=x onerror="window.__xss=2">',
      summary: '<img src=x onerror="window.__xss=3">',
      evidence: {
        line: '<script>window.__xss=1</script>',
        lineNumber: 1,
        section: null,
        runnerPrefix: false,
      },
      checks: [],
    });

    await page.goto(`${base}/incidents/${incident.id}`);
    const evidence = await page.locator('#evidence').innerText();
    const xssOnPage = await page.evaluate(() => (globalThis as { __xss?: number }).__xss);
    await page.goto(`${base}/?q=evil`);
    const xssInList = await page.evaluate(() => (globalThis as { __xss?: number }).__xss);

    expect(evidence).toBe('<script>window.__xss=1</script>');
    expect(xssOnPage).toBeUndefined();
    expect(xssInList).toBeUndefined();
    expect(await page.locator('table.incidents').innerText()).toContain('evil/<img src=x');
  });

  it('loaded its stylesheet and nothing else (no Content-Security-Policy violation)', async () => {
    await page.goto(`${base}/`);
    // Runs in the page; the test's TypeScript has no DOM types.
    const header = await page.locator('header.top').evaluate((element) => {
      const view = globalThis as unknown as {
        getComputedStyle(e: unknown): { backgroundColor: string };
      };
      return view.getComputedStyle(element).backgroundColor;
    });

    expect(header).toBe('rgb(246, 248, 250)'); // the inline stylesheet was allowed by its hash
    expect(cspViolations).toEqual([]);
  });
});
