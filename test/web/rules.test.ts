import { mkdirSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/main.js';
import {
  DOCKER_DAEMON_DOWN,
  TYPESCRIPT_ERROR,
  startHarness,
  type Harness,
} from '../helpers/bot-harness.js';
import { serveDashboard } from '../helpers/dashboard.js';
import { browserSuite, followNav, hasChromium, openSignedInPage } from './chromium.js';

const TOKEN = 'rules-test-token-3f9a61c0be';
const ARTIFACTS = 'test-artifacts';

let h: Harness;
let bot: Bot;
let app: FastifyInstance;
let base: string;
/** The rule that diagnosed the Docker daemon failure, and its incident. */
let daemon = '';
let daemonIncident = 0;

/**
 * Four incidents of three rules on one merge request's note, then people's judgements given
 * in GitLab and read by a poll cycle: the TypeScript diagnosis judged wrong by two people, one
 * of the two image pull diagnoses by one, the Docker daemon one by nobody.
 */
beforeAll(async () => {
  h = await startHarness({ botRole: 40 });
  h.runSeed(); // registry-pull-denied: allowlist-missing
  h.world.addMember(h.ids.projects.poetry, h.ids.users.carol, 10);
  h.runOnMergeRequest(
    [{ name: 'build-app', image: h.ids.image, script: ['poetry build'] }],
    h.ids.users.carol,
  ); // registry-pull-denied: user-lacks-access
  h.failOnMergeRequest({ name: 'typecheck', script: 'npx tsc --noEmit', output: TYPESCRIPT_ERROR });
  h.failOnMergeRequest({
    name: 'build-image',
    script: 'docker build -t app .',
    output: DOCKER_DAEMON_DOWN,
  });
  bot = h.startBot();
  await bot.poller.runCycle();
  const incidents = bot.store.incidents.listIncidents();
  expect(incidents).toHaveLength(4);
  const other = incidents.find(
    (i) => !['typescript-compile-error', 'registry-pull-denied'].includes(i.patternId),
  );
  daemon = other?.patternId ?? '';
  daemonIncident = other?.id ?? 0;
  const typescript = incidents.find((i) => i.patternId === 'typescript-compile-error');
  const seed = incidents.find((i) => i.verdict === 'allowlist-missing');
  if (!typescript || !seed) throw new Error('missing incidents');

  h.reply(h.ids.users.alice, `@diagnoser-bot wrong ${typescript.id}`);
  h.reply(h.ids.users.carol, `@diagnoser-bot wrong ${typescript.id}`);
  h.reply(h.ids.users.bob, `@diagnoser-bot wrong ${seed.id}`);
  // A bare 👎 on a note of four diagnoses names none of them.
  h.react(h.botNote().id, h.ids.users.root, 'thumbsdown');
  h.clock.advance(10 * 60_000); // the poll reads feedback every 10 minutes
  const cycle = await bot.poller.runCycle();
  expect(cycle.feedback).toMatchObject({ recorded: 3 });

  ({ app, base } = await serveDashboard(bot.store, { adminToken: TOKEN, gitlabUrl: h.sim.url }));
});

afterAll(async () => {
  await app?.close();
  await h?.close();
});

describe('the rules page', () => {
  it('is behind the admin token like every dashboard page', async () => {
    const anonymous = await fetch(`${base}/rules`);
    const admin = await fetch(`${base}/rules`, { headers: { authorization: `Bearer ${TOKEN}` } });

    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).not.toContain('typescript-compile-error');
    expect(admin.status).toBe(200);
  });
});

describe.skipIf(!hasChromium())(browserSuite('the rules page in Chromium'), () => {
  let browser: Browser;
  let page: Page;
  let cspViolations: string[];

  beforeAll(async () => {
    ({ browser, page, cspViolations } = await openSignedInPage(base, TOKEN));
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('is reached from the dashboard nav', async () => {
    expect(await followNav(page, base, '/rules')).toEqual({ heading: 'Rules', current: 'Rules' });
  });

  it('lists each rule with its diagnoses, judged wrong and precision, most misleading first', async () => {
    await page.goto(`${base}/rules`);

    const rows: { rule: string | null; cells: string[] }[] = [];
    const trs = page.locator('table.rules tbody tr');
    for (let i = 0; i < (await trs.count()); i += 1) {
      const tr = trs.nth(i);
      rows.push({
        rule: await tr.getAttribute('data-rule'),
        cells: await tr.locator('td').allInnerTexts(),
      });
    }
    expect(rows).toEqual([
      {
        rule: 'typescript-compile-error',
        cells: ['typescript-compile-error', '1', '1', '1', '2', '0.0%'],
      },
      {
        rule: 'registry-pull-denied',
        cells: ['registry-pull-denied', '2', '2', '1', '1', '50.0%'],
      },
      { rule: daemon, cells: [daemon, '1', '1', '0', '0', '100.0%'] },
    ]);
    expect(await page.locator('#rules-headline').innerText()).toMatch(
      /3 rules\s+with a diagnosis\s+4 incidents\s+diagnosed\s+2\s+judged wrong/,
    );
    await page.screenshot({ path: `${ARTIFACTS}/rules.png`, fullPage: true });
  });

  it('links a rule to the incident list filtered by it', async () => {
    await page.goto(`${base}/rules`);
    await page.click('tr[data-rule="registry-pull-denied"] a');
    await page.waitForURL(/\/\?pattern=registry-pull-denied$/);

    const patterns = await page.locator('table.incidents tbody tr td:nth-child(4)').allInnerTexts();
    expect(patterns).toEqual(['registry-pull-denied', 'registry-pull-denied']);
    expect(cspViolations).toEqual([]);
  });

  it('names on the incident page who judged its diagnosis wrong', async () => {
    const typescript = bot.store.incidents
      .listIncidents()
      .find((i) => i.patternId === 'typescript-compile-error');
    await page.goto(`${base}/incidents/${typescript?.id ?? 0}`);

    const judged = await page.locator('dl.facts .judged').allInnerTexts();
    expect(judged).toEqual([
      expect.stringMatching(/^alice \(reply, \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\)$/),
      expect.stringMatching(/^carol \(reply, /),
    ]);
    await page.goto(`${base}/incidents/${daemonIncident}`);
    expect(await page.locator('dl.facts').first().innerText()).toMatch(/Judged wrong by\s+nobody/);
  });
});
