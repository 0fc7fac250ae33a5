import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { openDatabase, type Store } from '../../src/store/index.js';
import { secretHash } from '../../src/web/session-cookie.js';
import { createWebServer } from '../../src/web/server.js';
import { runCli } from '../cli/run-cli.js';

const TOKEN = 'sessions-test-token-5b8e1d07c3';
const HOUR = 3_600_000;

describe('dashboard sessions', () => {
  let dir: string;
  let dbPath: string;
  let store: Store;
  let app: FastifyInstance;
  let clock: Date;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'diagnoser-sessions-'));
    dbPath = join(dir, 'diagnoser.db');
    // The CLI reads the real clock: start from it.
    clock = new Date();
    store = openDatabase(dbPath, { now: () => clock });
    app = createWebServer({
      store,
      logger: silentLogger(),
      now: () => clock,
      maxCycleAgeMs: 60_000,
      host: '127.0.0.1',
      adminToken: TOKEN,
      sessionPolicy: { idleMs: 12 * HOUR, ttlMs: 7 * 24 * HOUR },
    });
  });

  afterEach(async () => {
    await app.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function signIn(): Promise<string> {
    const response = await app.inject({ url: `/?token=${TOKEN}` });
    expect(response.statusCode).toBe(303);
    return String(response.headers['set-cookie']).split(';')[0] ?? '';
  }

  async function status(cookie: string): Promise<number> {
    return (await app.inject({ url: '/', headers: { cookie } })).statusCode;
  }

  function advance(ms: number) {
    clock = new Date(clock.getTime() + ms);
  }

  it('keeps only a hash of the session id in the database', async () => {
    const cookie = await signIn();
    const id = cookie.split('=')[1] ?? '';
    const db = new Database(dbPath, { readonly: true });
    const stored = db.prepare('SELECT * FROM sessions').all();
    db.close();

    expect(id).toMatch(/^[\w-]{43}$/);
    expect(JSON.stringify(stored)).not.toContain(id);
    expect(stored).toEqual([expect.objectContaining({ id_hash: secretHash(id), kind: 'token' })]);
  });

  it('ends a session on sign-out: the old cookie no longer opens anything', async () => {
    const cookie = await signIn();
    const id = cookie.split('=')[1] ?? '';

    const before = await status(cookie);
    const out = await app.inject({ method: 'POST', url: '/sign-out', headers: { cookie } });
    const after = await status(cookie);

    expect(before).toBe(200);
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/sign-in');
    expect(String(out.headers['set-cookie'])).toMatch(/^diagnoser_session=; .*Max-Age=0/);
    expect(after).toBe(401);
    expect(store.sessions.activeSession(secretHash(id))).toBeUndefined();
  });

  it('refuses a sign-out posted from another site', async () => {
    const cookie = await signIn();

    const forged = await app.inject({
      method: 'POST',
      url: '/sign-out',
      headers: { cookie, origin: 'https://evil.example', host: 'localhost:80' },
    });

    const crossSite = await app.inject({
      method: 'POST',
      url: '/sign-out',
      headers: { cookie, origin: 'null', 'sec-fetch-site': 'cross-site' },
    });

    expect(forged.statusCode).toBe(403);
    expect(crossSite.statusCode).toBe(403);
    expect(await status(cookie)).toBe(200);
  });

  it('ends a session left idle for longer than the idle time', async () => {
    const cookie = await signIn();

    advance(11 * HOUR);
    const used = await status(cookie);
    advance(11 * HOUR);
    const usedAgain = await status(cookie);
    advance(12 * HOUR + 60_000);
    const idle = await status(cookie);

    expect([used, usedAgain, idle]).toEqual([200, 200, 401]);
  });

  it('ends a session after its lifetime however much it is used', async () => {
    const cookie = await signIn();
    const seen: number[] = [];

    for (let hours = 10; hours <= 7 * 24 + 10; hours += 10) {
      advance(10 * HOUR);
      seen.push(await status(cookie));
    }

    // 7 days = 168 hours: the request at 160 h is the last one served.
    expect(seen.slice(0, 16).every((s) => s === 200)).toBe(true);
    expect(seen.slice(16)).toEqual([401]);
  });

  it('sessions end-all signs everyone out; sessions list shows who was in', async () => {
    const first = await signIn();
    const second = await signIn();

    const listed = await runCli(['sessions', 'list', '--db', dbPath], {
      DIAGNOSER_CONFIG: undefined,
    });
    const ended = await runCli(['sessions', 'end-all', '--db', dbPath], {
      DIAGNOSER_CONFIG: undefined,
    });

    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('2 live sessions');
    expect(ended).toMatchObject({ code: 0, stdout: 'ended 2 sessions\n' });
    expect(await status(first)).toBe(401);
    expect(await status(second)).toBe(401);
  });

  it('sessions link prints a one-time link to this host that starts a session', async () => {
    const printed = await runCli(['sessions', 'link', '--db', dbPath], {
      DIAGNOSER_CONFIG: undefined,
      DIAGNOSER_HTTP_PORT: '8123',
    });
    const link = new URL(printed.stdout.split('\n')[0] ?? '');

    const used = await app.inject({ url: `${link.pathname}${link.search}` });
    const cookie = String(used.headers['set-cookie']).split(';')[0] ?? '';
    const reused = await app.inject({ url: `${link.pathname}${link.search}` });

    expect(printed.code).toBe(0);
    expect(link.origin).toBe('http://127.0.0.1:8123');
    expect(link.pathname).toBe('/sign-in/local');
    expect(used.statusCode).toBe(303);
    expect(await status(cookie)).toBe(200);
    expect(reused.statusCode).toBe(401);
  });
});
