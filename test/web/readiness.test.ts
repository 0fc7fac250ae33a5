import { existsSync, mkdirSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshAudit } from '../../src/audit/refresh.js';
import type { Bot } from '../../src/main.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import type { Simulator } from '../../src/simulator/index.js';
import { startAuditBot, startAuditSimulator } from '../helpers/audit-sim.js';
import { serveDashboard } from '../helpers/dashboard.js';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'readiness-test-token-51c0e9a7d2';
const ARTIFACTS = 'test-artifacts';

let sim: Simulator;
let bot: Bot;
let app: FastifyInstance;
let base: string;

/** The web server on the bot's store, with the bot's metrics. */
async function serve(): Promise<void> {
  ({ app, base } = await serveDashboard(bot.store, {
    adminToken: TOKEN,
    metrics: bot.metrics,
    gitlabUrl: sim.url,
  }));
}

async function get(path: string): Promise<Response> {
  return fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
}

async function openFindings(): Promise<Record<string, number>> {
  const families = parsePrometheusTextFormat(await (await get('/metrics')).text());
  const gauge = families.find((f) => f.name === 'diagnoser_audit_open_findings');
  return Object.fromEntries(
    (gauge?.metrics ?? []).map((m) => [m.labels?.state ?? '', Number(m.value)]),
  );
}

beforeAll(async () => {
  const built = await startAuditSimulator();
  sim = built.sim;
  bot = startAuditBot(built, {}, { metrics: createMetrics({ defaultMetrics: false }) });
  await serve();
});

afterAll(async () => {
  await app?.close();
  bot?.close();
  await sim?.close();
});

describe('readiness before and after the first audit', () => {
  it('says there is no audit yet, and /metrics has no audit gauge', async () => {
    const page = await (await get('/readiness')).text();

    expect(page).toContain('id="no-audit"');
    expect(await openFindings()).toEqual({});
  });

  it('/metrics counts the open findings of the latest audit by state', async () => {
    await refreshAudit(bot);

    expect(await openFindings()).toEqual({
      denied: 5,
      'denied-at-enforcement': 3,
      unknown: 0,
    });
    const families = parsePrometheusTextFormat(await (await get('/metrics')).text());
    const at = families.find((f) => f.name === 'diagnoser_audit_timestamp_seconds');
    expect(Number(at?.metrics[0]?.value)).toBeGreaterThan(Date.now() / 1000 - 600);
  });

  it('is behind the admin token like every dashboard page', async () => {
    const anonymous = await fetch(`${base}/readiness`);

    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).not.toContain('tools/images');
  });
});

const title = existsSync(CHROMIUM)
  ? 'the readiness page in Chromium'
  : `the readiness page in Chromium (skipped: ${CHROMIUM} is missing; install Debian's chromium package)`;

describe.skipIf(!existsSync(CHROMIUM))(title, () => {
  let browser: Browser;
  let page: Page;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    if (!bot.store.audit.latestAuditAt()) await refreshAudit(bot);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    await page.goto(`${base}/?token=${TOKEN}`);
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('is reached from the dashboard nav', async () => {
    await page.goto(`${base}/`);
    await page.click('nav.pages a[href="/readiness"]');
    await page.waitForURL(`${base}/readiness`);

    expect(await page.locator('h1').innerText()).toBe('Job token readiness');
    expect(await page.locator('nav.pages a[aria-current=page]').innerText()).toBe(
      'Job token readiness',
    );
  });

  it('lists the findings by target project, the most breaking first', async () => {
    await page.goto(`${base}/readiness`);

    const targets = await page
      .locator('section.target')
      .evaluateAll((sections) => sections.map((s) => s.getAttribute('data-target')));
    expect(targets).toEqual(['tools/images', 'tools/shared', 'tools/config', 'tools/libs']);
    expect(await page.locator('#readiness-headline').innerText()).toMatch(
      /8\s+break at 18\.0\s+5\s+refused now\s+3\s+work only until enforcement/,
    );
    const images = page.locator('section.target[data-target="tools/images"]');
    expect(await images.locator('h2').innerText()).toContain('4 uses break at 18.0');
    const states = await images
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-state')));
    expect(states.filter((s) => s === 'denied')).toHaveLength(4);
    expect(states.filter((s) => s === 'allowed')).toHaveLength(3);
  });

  it('shows what breaks at 18.0 and the entries that fix it, with the REST call', async () => {
    await page.goto(`${base}/readiness`);

    const shared = page.locator('section.target[data-target="tools/shared"]');
    expect(await shared.locator('tr[data-state="denied-at-enforcement"]').count()).toBe(2);
    expect(await shared.locator('.badge').first().innerText()).toBe('breaks at 18.0');
    const entries = await page
      .locator('section.target[data-target="tools/images"] ul.entries li')
      .allInnerTexts();
    expect(entries).toEqual([
      expect.stringMatching(
        /^add apps\/api: POST \/api\/v4\/projects\/\d+\/job_token_scope\/allowlist target_project_id=\d+$/,
      ),
      expect.stringMatching(
        /^add group mobile \(for mobile\/android, mobile\/ios, mobile\/web-view\): POST \/api\/v4\/projects\/\d+\/job_token_scope\/groups_allowlist target_group_id=\d+$/,
      ),
    ]);
    expect(await page.locator('#audit-problems').innerText()).toContain(
      'apps/broken: The CI configuration cannot be read',
    );
    expect(cspViolations).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}/readiness.png`, fullPage: true });
  });
});
