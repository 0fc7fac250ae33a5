import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/main.js';
import { registerApplication, type OAuthApplication } from '../../src/simulator/index.js';
import { dashboardAccess } from '../../src/web/access-config.js';
import { createWebServer } from '../../src/web/server.js';
import { startHarness, type Harness } from '../helpers/bot-harness.js';

const GROUP = 'ops/diagnoser-admins';
const PASSWORDS = { root: 'root-pw-1', alice: 'alice-pw-1', bob: 'bob-pw-1', carol: 'carol-pw-1' };

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function cookiesOf(response: Response): string[] {
  return response.headers.getSetCookie().map((c) => c.split(';')[0] ?? '');
}

describe('Sign in with GitLab against the simulator', () => {
  let h: Harness;
  let bot: Bot;
  let application: OAuthApplication;
  let base: string;
  let servers: Record<'open' | 'group', FastifyInstance>;
  let bases: Record<'open' | 'group', string>;

  beforeAll(async () => {
    h = await startHarness();
    const { world, ids } = h;
    for (const [name, password] of Object.entries(PASSWORDS)) {
      world.oauth.passwords.set(ids.users[name as keyof typeof PASSWORDS], password);
    }
    const ops = world.addGroup({ path: 'ops', visibility: 'private' });
    const admins = world.addGroup({ path: 'diagnoser-admins', parentId: ops.id });
    world.addMember(ops, ids.users.bot, 20);
    world.addMember(admins, ids.users.bob, 10);
    world.addMember(admins, ids.users.alice, 5); // Minimal Access is not membership
    const ports = { open: await freePort(), group: await freePort() };
    bases = {
      open: `http://127.0.0.1:${ports.open}`,
      group: `http://127.0.0.1:${ports.group}`,
    };
    application = registerApplication(world.oauth, {
      name: 'pipeline-diagnoser',
      redirectUri: Object.values(bases).map((b) => `${b}/sign-in/gitlab/callback`),
      scopes: ['read_user'],
    });
    const start = async (kind: 'open' | 'group') => {
      bot = h.startBot({
        oauth: {
          applicationId: application.uid,
          secret: application.secret,
          ...(kind === 'group' ? { group: GROUP } : {}),
        },
        http: { host: '127.0.0.1', port: ports[kind] },
      });
      const app = createWebServer({
        store: bot.store,
        logger: bot.logger,
        now: () => new Date(),
        maxCycleAgeMs: 60_000,
        host: '127.0.0.1',
        ...dashboardAccess(bot.config, bot.gitlab),
      });
      await app.listen({ host: '127.0.0.1', port: ports[kind] });
      return app;
    };
    servers = { open: await start('open'), group: await start('group') };
  });

  afterAll(async () => {
    for (const app of Object.values(servers ?? {})) await app.close();
    await h?.close();
  });

  beforeEach(() => {
    base = bases.open;
  });

  /** Goes through GitLab's sign-in as a browser would; returns the callback's answer. */
  async function signIn(
    username: keyof typeof PASSWORDS,
    options: { decision?: string; keepStateCookie?: boolean } = {},
  ) {
    const start = await fetch(`${base}/sign-in/gitlab`, { redirect: 'manual' });
    const stateCookie = cookiesOf(start)[0] ?? '';
    const authorize = new URL(start.headers.get('location') ?? '');
    const form = new URLSearchParams(authorize.searchParams);
    form.set('username', username);
    form.set('password', PASSWORDS[username]);
    form.set('decision', options.decision ?? 'authorize');
    const granted = await fetch(`${h.sim.url}/oauth/authorize`, {
      method: 'POST',
      body: form,
      redirect: 'manual',
    });
    const callback = granted.headers.get('location') ?? '';
    const answer = await fetch(callback, {
      redirect: 'manual',
      headers: options.keepStateCookie === false ? {} : { cookie: stateCookie },
    });
    const session = cookiesOf(answer).find((c) => c.startsWith('diagnoser_session=')) ?? '';
    return { start, authorize, callback, stateCookie, answer, session };
  }

  function revokedTokens(): string[] {
    return h.sim.requests
      .filter((r) => r.path === '/oauth/revoke' && r.status === 200)
      .map((r) => String(r.body?.token));
  }

  it('sends the browser to GitLab with PKCE (S256), scope read_user and a fresh state', async () => {
    const first = await fetch(`${base}/sign-in/gitlab`, { redirect: 'manual' });
    const second = await fetch(`${base}/sign-in/gitlab`, { redirect: 'manual' });
    const url = new URL(first.headers.get('location') ?? '');
    const other = new URL(second.headers.get('location') ?? '');

    expect(first.status).toBe(302);
    expect(`${url.origin}${url.pathname}`).toBe(`${h.sim.url}/oauth/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: application.uid,
      redirect_uri: `${base}/sign-in/gitlab/callback`,
      response_type: 'code',
      scope: 'read_user',
      code_challenge_method: 'S256',
    });
    expect(url.searchParams.get('state')).not.toBe(other.searchParams.get('state'));
    expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(first.headers.getSetCookie()[0]).toMatch(
      /^diagnoser_sign_in=[\w-]{43}; Path=\/sign-in; HttpOnly; SameSite=Lax; Max-Age=600$/,
    );
  });

  it('lets a GitLab administrator in, keeps no GitLab token, and revokes it on GitLab', async () => {
    const { answer, session } = await signIn('root');
    const dashboard = await fetch(`${base}/`, { headers: { cookie: session } });
    const revoked = revokedTokens();
    const database = readFileSync(h.dbPath).toString('latin1');
    const wal = readFileSync(`${h.dbPath}-wal`).toString('latin1');

    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe('/');
    expect(dashboard.status).toBe(200);
    expect(bot.store.sessions.listActiveSessions()).toContainEqual(
      expect.objectContaining({ kind: 'gitlab', username: 'root', userId: h.ids.users.root }),
    );
    // GitLab holds no live token of the application: the one issued was revoked at once.
    expect([...h.world.oauth.tokens.values()].filter((t) => t.uid === application.uid)).toEqual([]);
    expect(revoked.length).toBeGreaterThan(0);
    for (const token of revoked) {
      expect(database).not.toContain(token);
      expect(wal).not.toContain(token);
    }
  });

  it('refuses a user who is not an administrator, with a page that says why', async () => {
    const before = bot.store.sessions.listActiveSessions().length;
    const { answer, session } = await signIn('alice');
    const text = await answer.text();

    expect(answer.status).toBe(403);
    expect(text).toContain('@alice');
    expect(text).toContain('only GitLab administrators may use this dashboard');
    expect(session).toBe('');
    expect(bot.store.sessions.listActiveSessions().length).toBe(before);
    expect([...h.world.oauth.tokens.values()].filter((t) => t.uid === application.uid)).toEqual([]);
  });

  it('with a group set, lets its members in, and refuses others and Minimal Access', async () => {
    base = bases.group;
    const bob = await signIn('bob');
    const carol = await signIn('carol');
    const alice = await signIn('alice');
    const root = await signIn('root');

    expect(bob.answer.status).toBe(303);
    expect((await fetch(`${base}/`, { headers: { cookie: bob.session } })).status).toBe(200);
    expect(carol.answer.status).toBe(403);
    expect(await carol.answer.text()).toContain(`members of the group ${GROUP}`);
    expect(alice.answer.status).toBe(403);
    expect(root.answer.status).toBe(303);
  });

  it('refuses a callback in a browser that did not start the sign-in (login CSRF)', async () => {
    const before = bot.store.sessions.listActiveSessions().length;
    // The attacker signs in to GitLab and sends the callback address to a victim.
    const forged = await signIn('alice', { keepStateCookie: false });

    expect(forged.answer.status).toBe(400);
    expect(forged.session).toBe('');
    expect(bot.store.sessions.listActiveSessions().length).toBe(before);
  });

  it('uses a callback once, and says so when GitLab was denied', async () => {
    const first = await signIn('root');
    const replay = await fetch(first.callback, {
      redirect: 'manual',
      headers: { cookie: first.stateCookie },
    });
    const denied = await signIn('root', { decision: 'deny' });

    expect(first.answer.status).toBe(303);
    expect(replay.status).toBe(400);
    expect(denied.answer.status).toBe(403);
    expect(await denied.answer.text()).toContain('GitLab did not authorise the sign-in');
  });
});
