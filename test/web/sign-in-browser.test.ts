import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/main.js';
import { registerApplication } from '../../src/simulator/index.js';
import { dashboardAccess } from '../../src/web/access-config.js';
import { createWebServer } from '../../src/web/server.js';
import { startHarness, type Harness } from '../helpers/bot-harness.js';
import { browserSuite, hasChromium, launchChromium } from './chromium.js';

const ARTIFACTS = 'test-artifacts';
const HOUR = 3_600_000;
const PASSWORDS = { root: 'root-browser-pw', alice: 'alice-browser-pw' };

describe.skipIf(!hasChromium())(browserSuite('Sign in with GitLab in Chromium'), () => {
  let h: Harness;
  let bot: Bot;
  let app: FastifyInstance;
  let base: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    h = await startHarness();
    h.world.oauth.passwords.set(h.ids.users.root, PASSWORDS.root);
    h.world.oauth.passwords.set(h.ids.users.alice, PASSWORDS.alice);
    // The port is known only once listening: register the application afterwards.
    bot = h.startBot({ oauth: { applicationId: 'pending', secret: 'pending' } });
    const access = dashboardAccess(bot.config, bot.gitlab);
    const signIn = access.signIn;
    if (!signIn) throw new Error('GitLab sign-in is not configured');
    app = createWebServer({
      store: bot.store,
      logger: bot.logger,
      now: () => h.clock.now,
      maxCycleAgeMs: 60_000,
      host: '127.0.0.1',
      ...access,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const application = registerApplication(h.world.oauth, {
      name: 'pipeline-diagnoser',
      redirectUri: `${base}/sign-in/gitlab/callback`,
      scopes: ['read_user'],
    });
    Object.assign(signIn, {
      applicationId: application.uid,
      secret: application.secret,
      redirectUri: `${base}/sign-in/gitlab/callback`,
    });
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await app?.close();
    await h?.close();
  });

  async function freshPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    return context.newPage();
  }

  /** From the dashboard's sign-in page through GitLab's, as a person would click. */
  async function signInAs(page: Page, username: keyof typeof PASSWORDS) {
    const first = await page.goto(`${base}/`);
    expect(first?.status()).toBe(401);
    await page.click('#sign-in-gitlab');
    await page.waitForURL(`${h.sim.url}/oauth/authorize?**`);
    await page.fill('#user_login', username);
    await page.fill('#user_password', PASSWORDS[username]);
    const answer = page.waitForResponse((r) =>
      r.url().startsWith(`${base}/sign-in/gitlab/callback`),
    );
    await page.click('#authorize');
    return (await answer).status();
  }

  async function sessionCookie(page: Page) {
    return (await page.context().cookies()).find((c) => c.name === 'diagnoser_session');
  }

  it('lets an administrator in, and sign-out ends the session on the server', async () => {
    const page = await freshPage();

    const callback = await signInAs(page, 'root');
    await page.waitForURL(`${base}/`);
    const cookie = await sessionCookie(page);
    const heading = await page.locator('h1').first().innerText();
    await page.screenshot({ path: `${ARTIFACTS}/sign-in-admin.png` });
    await page.click('#sign-out');
    await page.waitForURL(`${base}/sign-in`);
    // The old cookie, put back as a thief would, opens nothing.
    await page.context().addCookies([{ ...cookie!, value: cookie!.value }]);
    const reused = await page.goto(`${base}/`);
    const byScript = await fetch(`${base}/`, {
      headers: { cookie: `diagnoser_session=${cookie?.value}` },
    });

    expect(callback).toBe(303);
    expect(heading).not.toBe('Sign in');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(reused?.status()).toBe(401);
    expect(await page.locator('#sign-in-gitlab').isVisible()).toBe(true);
    expect(byScript.status).toBe(401);
  });

  it('shows a user who is neither administrator nor group member a clear refusal', async () => {
    const page = await freshPage();

    const callback = await signInAs(page, 'alice');
    const title = await page.locator('#refused').innerText();
    const text = await page.locator('main').innerText();
    await page.screenshot({ path: `${ARTIFACTS}/sign-in-refused.png` });
    const dashboard = await page.goto(`${base}/`);

    expect(callback).toBe(403);
    expect(title).toBe('Not allowed');
    expect(text).toContain('You signed in to GitLab as @alice');
    expect(text).toContain('only GitLab administrators may use this dashboard');
    expect(await sessionCookie(page)).toBeUndefined();
    expect(dashboard?.status()).toBe(401);
  });

  it('refuses a session left idle past its time', async () => {
    const page = await freshPage();
    await signInAs(page, 'root');
    await page.waitForURL(`${base}/`);

    h.clock.advance(11 * HOUR);
    const stillIn = await page.goto(`${base}/`);
    h.clock.advance(12 * HOUR + 60_000);
    const expired = await page.goto(`${base}/`);

    expect(stillIn?.status()).toBe(200);
    expect(expired?.status()).toBe(401);
    expect(await page.locator('#sign-in-gitlab').isVisible()).toBe(true);
  });
});
