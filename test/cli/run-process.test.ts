import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  runSeedPipeline,
  seedStoryWorld,
  startSimulator,
  type Simulator,
} from '../../src/simulator/index.js';
import { openDatabase } from '../../src/store/index.js';
import { builtCli } from '../helpers/cli-build.js';

let cli: string;
// As root, a read-only file is still writable: the bot runs as nobody then.
const AS_ROOT = process.getuid?.() === 0;
const NOBODY = 65534;

let folder: string;
const children: ChildProcess[] = [];
const servers: Server[] = [];

beforeAll(async () => {
  cli = await builtCli();
  folder = mkdtempSync(join(tmpdir(), 'diagnoser-run-'));
  chmodSync(folder, 0o777);
}, 150_000);

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const server of servers.splice(0)) await new Promise((r) => server.close(r));
});

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

function start(env: Record<string, string>, options: { asNobody?: boolean } = {}): Running {
  let output = '';
  const child = spawn(process.execPath, [cli, 'run'], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
    ...(options.asNobody && AS_ROOT ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  children.push(child);
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>(
    (resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
  );
  return { child, output: () => output, exited };
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 30_000) {
  const deadline = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function seededSimulator() {
  const { world, ids } = seedStoryWorld();
  world.addMember(ids.projects.poetry, ids.users.bot, 40);
  runSeedPipeline(world, ids);
  const sim: Simulator = await startSimulator({ world });
  const botNoted = () =>
    world.notesOn(ids.projects.app, ids.mergeRequest.iid).some((n) => n.authorId === ids.users.bot);
  return { sim, token: ids.tokens.bot, botNoted };
}

function botEnv(url: string, token: string, db: string, port: number): Record<string, string> {
  return {
    GITLAB_URL: url,
    GITLAB_TOKEN: token,
    DIAGNOSER_DB: db,
    DIAGNOSER_WATCH_PROJECTS: 'team/app',
    DIAGNOSER_HTTP_HOST: '127.0.0.1',
    DIAGNOSER_HTTP_PORT: String(port),
  };
}

/** A setup mistake ends `run` with code 2 and a message, not a stack trace. */
function expectPlainMessage(output: string) {
  expect(output).not.toMatch(/^\s+at .+\(.+:\d+:\d+\)$/m);
}

describe('run stops within 5 s on SIGTERM, even behind a slow GitLab', () => {
  it('ends the request in flight, exits 0 and leaves the job queued for the next run', async () => {
    const { sim, token } = await seededSimulator();
    try {
      // The log takes 25 s to come: longer than Docker's grace period.
      sim.faults.push({ path: /\/jobs\/\d+\/trace$/, status: 200, delayMs: 25_000, body: 'x' });
      const db = join(folder, 'sigterm.db');
      const bot = start(botEnv(sim.url, token, db, await freePort()));
      await until(() => sim.requests.some((r) => r.path.endsWith('/trace')), 'the slow request');

      const sent = performance.now();
      bot.child.kill('SIGTERM');
      const exit = await bot.exited;

      expect(exit.at - sent).toBeLessThan(5_000);
      expect(exit).toMatchObject({ code: 0, signal: null });
      expect(bot.output()).toContain('"msg":"stopped"');
      const store = openDatabase(db);
      try {
        expect(store.jobQueue.countJobs()).toMatchObject({ pending: 1, failed: 0 });
      } finally {
        store.close();
      }
    } finally {
      await sim.close();
    }
  });
});

describe('setup mistakes say what they are', () => {
  it('a web port in use names DIAGNOSER_HTTP_PORT', async () => {
    const { sim, token } = await seededSimulator();
    try {
      const taken = createServer();
      servers.push(taken);
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      const { port } = taken.address() as AddressInfo;

      const bot = start(botEnv(sim.url, token, join(folder, 'port.db'), port));
      const exit = await bot.exited;

      expect(exit.code).toBe(2);
      expect(bot.output()).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(bot.output()).toContain('DIAGNOSER_HTTP_PORT');
      expectPlainMessage(bot.output());
    } finally {
      await sim.close();
    }
  });

  it('a URL that is not a GitLab says so and names GITLAB_URL', async () => {
    const page = createServer((_request, response) => {
      response.writeHead(404, { 'content-type': 'text/html' });
      response.end('<html>Not here</html>');
    });
    servers.push(page);
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;

    const bot = start(botEnv(url, 'a-token', join(folder, 'url.db'), await freePort()));
    const exit = await bot.exited;

    expect(exit.code).toBe(2);
    expect(bot.output()).toContain(`GITLAB_URL (${url}) does not answer as a GitLab`);
    expectPlainMessage(bot.output());
  });

  // /dev/full answers every write with ENOSPC, as a full disk does.
  it.skipIf(!existsSync('/dev/full'))(
    'a full disk at start names SQLITE_FULL, the file and what to free',
    async () => {
      const { sim, token } = await seededSimulator();
      try {
        const db = join(folder, 'full.db');
        symlinkSync('/dev/full', db);
        const bot = start(botEnv(sim.url, token, db, await freePort()));
        const exit = await bot.exited;

        expect(exit.code).toBe(2);
        expect(bot.output()).toContain(
          `Cannot write ${db} (SQLITE_FULL: database or disk is full)`,
        );
        expect(bot.output()).toContain(
          'the disk is full: free space on the volume that holds DIAGNOSER_DB',
        );
        expectPlainMessage(bot.output());
      } finally {
        await sim.close();
      }
    },
  );

  it('https:// against an http port says to use http://', async () => {
    const { sim, token } = await seededSimulator();
    try {
      const url = sim.url.replace('http://', 'https://');
      const bot = start(botEnv(url, token, join(folder, 'tls.db'), await freePort()));
      const exit = await bot.exited;

      expect(exit.code).toBe(2);
      expect(bot.output()).toMatch(/GITLAB_URL probably says https:\/\/|right scheme/);
      expectPlainMessage(bot.output());
    } finally {
      await sim.close();
    }
  });
});

describe('a database that cannot be written, in the first cycle', () => {
  it('turns /readyz red, names DIAGNOSER_DB, and recovers once the file is writable', async () => {
    const { sim, token, botNoted } = await seededSimulator();
    try {
      const db = join(folder, 'readonly.db');
      openDatabase(db).close();
      if (AS_ROOT) chownSync(db, NOBODY, NOBODY);
      chmodSync(db, 0o444);
      const port = await freePort();
      const bot = start(
        { ...botEnv(sim.url, token, db, port), DIAGNOSER_SCHEDULE: '* * * * * *' },
        { asNobody: true },
      );
      const readyz = async () => {
        const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
        return response ? { status: response.status, body: await response.text() } : undefined;
      };

      await until(
        async () => (await readyz())?.body.includes('cycles in a row failed') ?? false,
        'readyz red',
      );
      expect((await readyz())?.status).toBe(503);
      expect(bot.output()).toContain('cycle failed: The database');
      expect(bot.output()).toContain('DIAGNOSER_DB');
      expect(botNoted()).toBe(false);

      chmodSync(db, 0o644);
      await until(async () => (await readyz())?.status === 200, 'readyz green again');

      expect(bot.output()).toContain('"msg":"cycle finished"');
      await until(botNoted, "the bot's note");
      bot.child.kill('SIGTERM');
      expect((await bot.exited).code).toBe(0);
    } finally {
      await sim.close();
    }
  }, 60_000);
});
