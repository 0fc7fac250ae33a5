import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { openDatabase, type Store } from '../../src/store/index.js';
import { createLocalLinkCode } from '../../src/web/local-access.js';
import { createWebServer } from '../../src/web/server.js';

/** A reverse proxy on the same host, as nginx, Caddy or Apache would be. */
function startProxy(
  target: number,
  rewrite: (headers: http.IncomingHttpHeaders, peer: string) => http.IncomingHttpHeaders,
): Promise<http.Server> {
  const proxy = http.createServer((req, res) => {
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: target,
        method: req.method,
        path: req.url,
        headers: rewrite({ ...req.headers }, req.socket.remoteAddress ?? ''),
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  return new Promise((resolve) => proxy.listen(0, '127.0.0.1', () => resolve(proxy)));
}

function portOf(server: http.Server | FastifyInstance['server']): number {
  return (server.address() as AddressInfo).port;
}

describe('the dashboard without a token or GitLab sign-in, behind a proxy on the same host', () => {
  let store: Store;
  let app: FastifyInstance;
  let direct: string;
  const proxies: http.Server[] = [];
  const via: Record<string, string> = {};

  beforeAll(async () => {
    store = openDatabase(':memory:');
    app = createWebServer({
      store,
      logger: silentLogger(),
      now: () => new Date(),
      maxCycleAgeMs: 60_000,
      host: '127.0.0.1',
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = portOf(app.server);
    direct = `http://127.0.0.1:${port}`;
    const kinds = {
      // Caddy, Apache, Traefik: say whom they forward for.
      forwarding: (h: http.IncomingHttpHeaders, peer: string) => ({
        ...h,
        'x-forwarded-for': peer,
        host: 'diagnoser.example.com',
      }),
      // A proxy that passes the visitor's headers through untouched.
      transparent: (h: http.IncomingHttpHeaders) => ({ ...h, host: 'diagnoser.example.com' }),
      // The worst case: no forwarding header, and Host rewritten to the upstream address.
      silent: (h: http.IncomingHttpHeaders) => ({ ...h, host: `127.0.0.1:${port}` }),
    };
    for (const [name, rewrite] of Object.entries(kinds)) {
      const proxy = await startProxy(port, rewrite);
      proxies.push(proxy);
      via[name] = `http://127.0.0.1:${portOf(proxy)}`;
    }
  });

  afterAll(async () => {
    for (const proxy of proxies) await new Promise((resolve) => proxy.close(resolve));
    await app?.close();
    store?.close();
  });

  async function signInDirectly(): Promise<string> {
    const code = createLocalLinkCode(store.sessions);
    const response = await fetch(`${direct}/sign-in/local?code=${code}`, { redirect: 'manual' });
    expect(response.status).toBe(303);
    return (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  }

  it('serves a local session directly, and refuses the same session through a proxy', async () => {
    const cookie = await signInDirectly();

    const straight = await fetch(`${direct}/`, { headers: { cookie } });
    const forwarded = await fetch(`${via.forwarding}/`, { headers: { cookie } });
    const transparent = await fetch(`${via.transparent}/`, { headers: { cookie } });

    expect(straight.status).toBe(200);
    expect(forwarded.status).toBe(403);
    expect(await forwarded.text()).toContain('x-forwarded-for');
    expect(transparent.status).toBe(403);
  });

  it('refuses a local link through a proxy and leaves it unused', async () => {
    const code = createLocalLinkCode(store.sessions);
    const before = store.sessions.listActiveSessions().length;

    const proxied = await fetch(`${via.forwarding}/sign-in/local?code=${code}`, {
      redirect: 'manual',
    });
    const sessionsAfterProxy = store.sessions.listActiveSessions().length;
    const straight = await fetch(`${direct}/sign-in/local?code=${code}`, { redirect: 'manual' });

    expect(proxied.status).toBe(403);
    expect(proxied.headers.get('set-cookie')).toBeNull();
    expect(sessionsAfterProxy).toBe(before);
    expect(straight.status).toBe(303);
  });

  it('serves nothing through a proxy that hides itself to anyone without a session', async () => {
    for (const path of ['/', '/metrics', '/incidents/1']) {
      const response = await fetch(`${via.silent}${path}`, { redirect: 'manual' });
      expect(response.status, path).toBe(401);
    }
  });

  it('refuses a Host other than this machine even on a direct connection', async () => {
    const cookie = await signInDirectly();

    // fetch will not send a forged Host; a raw request will.
    const status = await new Promise<number>((resolve, reject) => {
      http
        .get(`${direct}/`, { headers: { cookie, host: 'rebound.example.com' } }, (response) =>
          resolve(response.statusCode ?? 0),
        )
        .on('error', reject);
    });

    expect(status).toBe(403);
  });
});
