import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { openDatabase, type Store } from '../../src/store/index.js';
import {
  DashboardExposedError,
  bearerToken,
  cookieValue,
  secretsMatch,
} from '../../src/web/access.js';
import { createLocalLinkCode } from '../../src/web/local-access.js';
import { createWebServer, type WebOptions } from '../../src/web/server.js';

const TOKEN = 'dashboard-test-token-4f1c9a2e';
const NOW = new Date('2025-05-10T12:00:00Z');

function seed(store: Store): number {
  const { incident } = store.incidents.upsertIncident({
    rootCauseKey: 'k1',
    patternId: 'registry-pull-denied',
    verdict: 'allowlist-missing',
    projectId: 1,
    projectPath: 'team/app',
    targetProjectPath: 'containers/poetry',
    summary: 'Image pull denied <b>bold</b>',
    evidence: {
      line: '<script>window.__xss=1</script>',
      lineNumber: 3,
      section: 'prepare_executor',
      runnerPrefix: true,
    },
    checks: [
      {
        check: 'allowlist',
        result: 'fail',
        detail: 'team/app is not on it',
        at: '2025-05-09T10:00:00Z',
      },
    ],
    seenAt: '2025-05-09T10:00:00Z',
  });
  store.occurrences.addOccurrence({
    incidentId: incident.id,
    projectId: 1,
    pipelineId: 70,
    jobId: 700,
    jobName: 'build',
    jobUrl: 'javascript:alert(1)',
    pipelineUrl: 'https://gitlab.example.com/team/app/-/pipelines/70',
    ref: 'main',
    sha: 'abcdef0123456789',
    failedAt: '2025-05-09T10:00:00Z',
  });
  store.actions.recordAction({
    incidentId: incident.id,
    kind: 'note-created',
    status: 'ok',
    detail: { url: 'https://gitlab.example.com/team/app/-/merge_requests/1#note_5' },
    at: '2025-05-09T10:04:00Z',
  });
  store.incidents.upsertIncident({
    rootCauseKey: 'k2',
    patternId: 'out-of-memory',
    verdict: 'log-only',
    projectId: 2,
    projectPath: 'data/etl',
    summary: 'Out of memory',
    seenAt: '2025-05-08T10:00:00Z',
  });
  return incident.id;
}

describe('createWebServer', () => {
  let store: Store;
  let app: FastifyInstance | undefined;
  let id: number;

  function server(options: Partial<WebOptions> = {}): FastifyInstance {
    app = createWebServer({
      store,
      logger: silentLogger(),
      now: () => NOW,
      maxCycleAgeMs: 60_000,
      host: '127.0.0.1',
      adminToken: TOKEN,
      gitlabUrl: 'https://gitlab.example.com',
      ...options,
    });
    return app;
  }
  const auth = { authorization: `Bearer ${TOKEN}` };

  beforeEach(() => {
    store = openDatabase(':memory:', { now: () => NOW });
    id = seed(store);
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
    store.close();
  });

  describe('access', () => {
    it('refuses every dashboard route without the token, with a short explanation', async () => {
      const s = server({ metrics: createMetrics({ defaultMetrics: false }) });

      for (const url of ['/', `/incidents/${id}`, '/metrics', '/no-such-page']) {
        const response = await s.inject({ url });
        expect(response.statusCode, url).toBe(401);
        expect(response.headers['www-authenticate']).toBe('Bearer realm="pipeline-diagnoser"');
        expect(response.body).toContain('DIAGNOSER_ADMIN_TOKEN');
        expect(response.body).not.toContain(TOKEN);
      }
    });

    it('keeps /healthz and /readyz open for orchestrators', async () => {
      const s = server();

      expect((await s.inject({ url: '/healthz' })).statusCode).toBe(200);
      expect([200, 503]).toContain((await s.inject({ url: '/readyz' })).statusCode);
    });

    it('accepts the Bearer token and refuses a wrong one', async () => {
      const s = server();

      expect((await s.inject({ url: '/', headers: auth })).statusCode).toBe(200);
      const wrong = await s.inject({ url: '/', headers: { authorization: `Bearer ${TOKEN}x` } });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.body).toContain('Wrong admin token');
    });

    it('trades ?token= for a session cookie (HttpOnly, SameSite=Lax) and a URL without it', async () => {
      const s = server();

      const first = await s.inject({ url: `/?verdict=log-only&token=${TOKEN}` });
      const cookie = String(first.headers['set-cookie']);
      const session = cookie.split(';')[0] ?? '';
      const next = await s.inject({ url: '/?verdict=log-only', headers: { cookie: session } });

      expect(first.statusCode).toBe(303);
      expect(first.headers.location).toBe('/?verdict=log-only');
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Lax/);
      expect(cookie).not.toMatch(/Secure/);
      expect(cookie).toMatch(/Path=\//);
      expect(cookie).not.toContain(TOKEN);
      expect(next.statusCode).toBe(200);
      expect(
        (await s.inject({ url: '/', headers: { cookie: 'diagnoser_session=forged' } })).statusCode,
      ).toBe(401);
      expect((await s.inject({ url: '/?token=wrong' })).statusCode).toBe(401);
    });

    it('never redirects to another site', async () => {
      const response = await server().inject({ url: `//evil.example/?token=${TOKEN}` });

      expect(response.statusCode).toBe(303);
      expect(response.headers.location).toBe('/');
    });

    it('refuses to serve the dashboard beyond loopback without a token, naming the setting', () => {
      const create = (host: string) =>
        createWebServer({
          store,
          logger: silentLogger(),
          now: () => NOW,
          maxCycleAgeMs: 60_000,
          host,
        });

      expect(() => create('0.0.0.0')).toThrow(DashboardExposedError);
      expect(() => create('0.0.0.0')).toThrow(
        /DIAGNOSER_ADMIN_TOKEN is not set and GitLab sign-in is off: .*0\.0\.0\.0.*bind to 127\.0\.0\.1/,
      );
      expect(() => create('::')).toThrow(DashboardExposedError);
      expect(() => create('192.168.1.5')).toThrow(DashboardExposedError);
      for (const host of ['127.0.0.1', 'localhost', '::1', '[::1]']) {
        expect(() => create(host).close(), host).not.toThrow();
      }
    });

    it('serves only health when told host but no dashboard, or no host at all', async () => {
      const healthOnly = createWebServer({
        store,
        logger: silentLogger(),
        now: () => NOW,
        maxCycleAgeMs: 60_000,
        host: '0.0.0.0',
        dashboard: false,
      });
      const legacy = createWebServer({
        store,
        logger: silentLogger(),
        now: () => NOW,
        maxCycleAgeMs: 60_000,
      });

      expect((await healthOnly.inject({ url: '/' })).statusCode).toBe(404);
      expect((await healthOnly.inject({ url: '/healthz' })).statusCode).toBe(200);
      expect((await legacy.inject({ url: '/' })).statusCode).toBe(404);
      await healthOnly.close();
      await legacy.close();
    });

    it('sets Secure on the session cookie when the public address is https', async () => {
      const response = await server({ secureCookies: true }).inject({ url: `/x?token=${TOKEN}` });

      expect(response.headers.location).toBe('/x');
      expect(String(response.headers['set-cookie'])).toMatch(/; Secure$/);
    });

    it('without a token on loopback, serves the dashboard only to a local link, used once', async () => {
      const s = server({ adminToken: undefined });
      const code = createLocalLinkCode(store.sessions);

      const bare = await s.inject({ url: '/' });
      const link = await s.inject({ url: `/sign-in/local?code=${code}` });
      const again = await s.inject({ url: `/sign-in/local?code=${code}` });
      const cookie = String(link.headers['set-cookie']).split(';')[0] ?? '';
      const withSession = await s.inject({ url: '/', headers: { cookie } });

      expect(bare.statusCode).toBe(401);
      expect(bare.body).toContain('pipeline-diagnoser sessions link');
      expect(link.statusCode).toBe(303);
      expect(link.headers.location).toBe('/');
      expect(again.statusCode).toBe(401);
      expect(withSession.statusCode).toBe(200);
    });
  });

  describe('pages', () => {
    it('sends a strict Content-Security-Policy and no-store', async () => {
      const response = await server().inject({ url: '/', headers: auth });

      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.headers['content-security-policy']).toMatch(
        /^default-src 'none'; style-src 'sha256-/,
      );
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.headers['x-frame-options']).toBe('DENY');
    });

    it('lists the incidents with filters, search and charts', async () => {
      const s = server();

      const all = (await s.inject({ url: '/', headers: auth })).body;
      const filtered = (await s.inject({ url: '/?verdict=log-only', headers: auth })).body;
      const searched = (await s.inject({ url: '/?q=poetry', headers: auth })).body;
      const none = (await s.inject({ url: '/?q=nothing-like-this', headers: auth })).body;

      expect(all.match(/<tr data-incident=/g)).toHaveLength(2);
      expect(all).toContain('team/app → containers/poetry');
      expect(all).toContain('id="chart-per-day"');
      expect(filtered.match(/<tr data-incident=/g)).toHaveLength(1);
      expect(filtered).toContain('data/etl');
      expect(searched.match(/<tr data-incident=/g)).toHaveLength(1);
      expect(searched).toContain(`href="/incidents/${id}"`);
      expect(none).toContain('No incident matches these filters.');
    });

    it('pages through many incidents, keeping the filters', async () => {
      for (let n = 0; n < 60; n++) {
        store.incidents.upsertIncident({
          rootCauseKey: `many-${n}`,
          patternId: 'disk-full',
          verdict: 'log-only',
          projectId: 3,
          projectPath: 'data/big',
          summary: `No space left ${n}`,
          seenAt: new Date(Date.UTC(2025, 4, 1, 0, n)),
        });
      }
      const s = server();

      const first = (await s.inject({ url: '/?pattern=disk-full', headers: auth })).body;
      const second = (await s.inject({ url: '/?pattern=disk-full&page=2', headers: auth })).body;

      expect(first.match(/<tr data-incident=/g)).toHaveLength(50);
      expect(first).toContain('1–50 of 60');
      expect(first).toContain('href="/?pattern=disk-full&amp;page=2" rel="next"');
      expect(second.match(/<tr data-incident=/g)).toHaveLength(10);
      expect(second).toContain('51–60 of 60');
      expect(second).toContain('href="/?pattern=disk-full" rel="prev"');
    });

    it('says which filter it could not read, and leaves it out', async () => {
      const body = (await server().inject({ url: '/?since=someday', headers: auth })).body;

      expect(body).toContain('Since: &quot;someday&quot; is not a time');
      expect(body.match(/<tr data-incident=/g)).toHaveLength(2);
    });

    it('shows one incident with escaped evidence, checks, jobs and the action trail', async () => {
      const body = (await server().inject({ url: `/incidents/${id}`, headers: auth })).body;

      expect(body).toContain(
        '<pre class="evidence" id="evidence">&lt;script&gt;window.__xss=1&lt;/script&gt;</pre>',
      );
      expect(body).not.toContain('<script>');
      expect(body).toContain('Image pull denied &lt;b&gt;bold&lt;/b&gt;');
      expect(body).toContain('team/app is not on it');
      expect(body).toContain('<tr data-kind="note-created">');
      expect(body).not.toContain('javascript:');
      expect(body).toContain('href="https://gitlab.example.com/team/app/-/pipelines/70"');
      expect(body).toContain('href="https://gitlab.example.com/containers/poetry"');
    });

    it('answers 404 for an unknown incident or page', async () => {
      const s = server();

      expect((await s.inject({ url: '/incidents/999', headers: auth })).statusCode).toBe(404);
      expect((await s.inject({ url: '/incidents/abc', headers: auth })).statusCode).toBe(404);
      expect((await s.inject({ url: '/nope', headers: auth })).statusCode).toBe(404);
    });

    it('shows an error page, not the error, when the database fails', async () => {
      const s = server();
      await s.ready();
      store.close();

      const response = await s.inject({ url: '/', headers: auth });
      store = openDatabase(':memory:', { now: () => NOW }); // for afterEach

      expect(response.statusCode).toBe(500);
      expect(response.body).toContain('Something went wrong');
      expect(response.body).not.toContain('database connection');
    });
  });
});

describe('access helpers', () => {
  it('reads Bearer headers and cookies', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer  abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
    expect(cookieValue('a=1; diagnoser_admin=xyz; b=2', 'diagnoser_admin')).toBe('xyz');
    expect(cookieValue('a=1', 'diagnoser_admin')).toBeUndefined();
  });

  it('compares secrets of any length', () => {
    expect(secretsMatch(TOKEN, TOKEN)).toBe(true);
    expect(secretsMatch('short', TOKEN)).toBe(false);
    expect(secretsMatch('', TOKEN)).toBe(false);
  });
});
