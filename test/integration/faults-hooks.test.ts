import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HOOK_EVENTS } from '../../src/simulator/types.js';
import {
  seedStoryWorld,
  type HookEvent,
  startSimulator,
  type World,
} from '../../src/simulator/index.js';
import { runCli } from '../cli/run-cli.js';
import { expectFaultedCalls } from '../helpers/fault-coverage.js';
import {
  closeAfterRun,
  closeFaultRun,
  FAULTS,
  faultFirstOfEachKind,
  madeWith,
} from '../helpers/fault-run.js';

/**
 * An admin runs `hooks install`, `install` again, `status`, `remove` and `remove` again against
 * a real simulator while the first request of every kind fails once with one kind of fault, and
 * runs a command again whenever it failed (after the wait GitLab asked for, if any). Each run that
 * fails must say so (a non-zero code and what failed); what each run says of a project must be
 * GitLab's state; in the end each watched project has had exactly one hook made, and `remove`
 * leaves none of the bot's hooks and someone else's alone.
 */
const SECRET = 'a-webhook-secret-of-32-characters!!';
const URL = 'http://127.0.0.1:8080/webhooks/gitlab';
const OTHER_URL = 'https://ci.example.com/hooks/gitlab';
const PROJECTS = ['team/app', 'containers/poetry'];
const COMMANDS = ['install', 'install', 'status', 'remove', 'remove'] as const;
/** Runs of one command at most: one failure per request kind it makes, and room to spare. */
const MOST_RUNS = 8;
/** The kinds of request the commands make: each must meet the fault once. */
const HOOK_REQUESTS = [
  'GET /projects/:path',
  'GET /projects/:id',
  'GET /projects/:id/hooks',
  'POST /projects/:id/hooks',
  'PUT /projects/:id/hooks/:id',
  'DELETE /projects/:id/hooks/:id',
];

afterEach(async () => {
  vi.useRealTimers();
  await closeFaultRun();
});

interface Run {
  command: string;
  code: number;
  stdout: string;
  stderr: string;
}

function botHooks(world: World, projectId: number) {
  return world.hooks.filter((h) => h.projectId === projectId && h.url === URL);
}

/** Whether the project has the bot's one hook, with its secret and events (no push events). */
function hookRight(world: World, projectId: number): boolean {
  const [hook, ...more] = botHooks(world, projectId);
  return (
    hook !== undefined &&
    more.length === 0 &&
    hook.token === SECRET &&
    hook.events.job_events &&
    hook.events.pipeline_events &&
    hook.events.note_events &&
    hook.events.emoji_events &&
    !hook.events.push_events
  );
}

/** What a run said of a project that GitLab's state contradicts. */
function falseClaims(run: Run, world: World, ids: Record<string, number>): string[] {
  const wrong: string[] = [];
  for (const [, project, words] of run.stdout.matchAll(/^ {2}(\S+): (.+)$/gm)) {
    const id = ids[project ?? ''] ?? 0;
    const has = /^hook (created|found by its URL|installed)/.test(words ?? '');
    const hasNone = /^(hook removed|no hook)/.test(words ?? '');
    if ((has && !hookRight(world, id)) || (hasNone && botHooks(world, id).length > 0)) {
      wrong.push(`${run.command}: ${project}: ${words}`);
    }
  }
  return wrong;
}

describe('hooks install|status|remove, with a fault at the first request of every kind', () => {
  it.each(Object.keys(FAULTS))(
    '%s: one hook per project, none after remove, every failure told',
    async (name) => {
      const started = performance.now();
      const { world, ids } = seedStoryWorld();
      world.addMember(ids.projects.app, ids.users.bot, 40);
      world.addMember(ids.projects.poetry, ids.users.bot, 40);
      world.allowLocalNetworkHooks = true;
      const other = world.addHook({
        projectId: ids.projects.app,
        url: OTHER_URL,
        name: 'ci',
        token: null,
        enableSslVerification: true,
        events: Object.fromEntries(HOOK_EVENTS.map((e) => [e, e === 'push_events'])) as Record<
          HookEvent,
          boolean
        >,
      });
      const sim = await startSimulator({ world });
      const { kinds: faulted, calls } = faultFirstOfEachKind(sim, name);
      const folder = mkdtempSync(join(tmpdir(), 'diagnoser-hook-faults-'));
      closeAfterRun({ sim, folder });
      const configFile = join(folder, 'config.json');
      // A timeout must be the client's: GitLab's answer comes after 1.5 s.
      writeFileSync(configFile, JSON.stringify({ requestTimeoutMs: 300 }));
      const env = {
        GITLAB_URL: sim.url,
        GITLAB_TOKEN: ids.tokens.bot,
        DIAGNOSER_DB: join(folder, 'diagnoser.db'),
        DIAGNOSER_CONFIG: configFile,
        DIAGNOSER_WATCH_PROJECTS: PROJECTS.join(','),
        DIAGNOSER_WEBHOOK_SECRET: SECRET,
        DIAGNOSER_WEBHOOK_URL: URL,
        LOG_LEVEL: 'error',
      };
      const projectIds = { 'team/app': ids.projects.app, 'containers/poetry': ids.projects.poetry };
      // Only the clock is moved: the admin waits out a Retry-After before running it again.
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });

      const runs: Run[] = [];
      const wrong: string[] = [];
      const unfinished: string[] = [];
      for (const command of COMMANDS) {
        let run: Run | undefined;
        for (let i = 0; i < MOST_RUNS && run?.code !== 0; i++) {
          run = { command, ...(await runCli(['hooks', command], env)) };
          runs.push(run);
          wrong.push(...falseClaims(run, world, projectIds));
          vi.setSystemTime(Date.now() + 31_000);
        }
        if (run?.code !== 0) unfinished.push(command);
        if (command === 'install') {
          const missing = PROJECTS.filter((p) => !hookRight(world, projectIds[p as 'team/app']));
          wrong.push(...missing.map((p) => `after install: ${p} has not the one right hook`));
        }
      }

      const failed = runs.filter((r) => r.code !== 0);
      const untold = failed.filter(
        (r) => !/pipeline-diagnoser: \S/.test(r.stderr) && !/^ {2}\S+: failed \(/m.test(r.stdout),
      );
      const made = sim.requests.filter(
        (r) => r.method === 'POST' && /\/hooks$/.test(r.path) && madeWith(201)(r),
      ).length;
      const found = {
        hooksMade: made,
        botHooksLeft: world.hooks.filter((h) => h.url === URL).length,
        otherHookKept: world.hooks.includes(other),
        falseClaims: wrong,
        untoldFailures: untold.map((r) => `${r.command}: ${r.code} ${r.stdout}${r.stderr}`),
        unfinished,
      };
      process.stdout.write(
        `faults, hooks (${name}): ${faulted.size} request kinds failed once, ${runs.length} runs (${failed.length} failed), ${Math.round(performance.now() - started)} ms; ${JSON.stringify(found)}\n`,
      );
      expect(found).toEqual({
        hooksMade: PROJECTS.length,
        botHooksLeft: 0,
        otherHookKept: true,
        falseClaims: [],
        untoldFailures: [],
        unfinished: [],
      });
      expect(failed.every((r) => r.code === 1)).toBe(true);
      expect([...faulted]).toEqual(expect.arrayContaining(HOOK_REQUESTS));
      expectFaultedCalls(calls, 'hooks', name);
      expect(sim.errors).toEqual([]);
      expect(sim.unhandled).toEqual([]);
    },
    20_000,
  );
});
