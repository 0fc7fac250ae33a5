import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { openDatabase } from '../../src/store/index.js';
import { builtCli } from '../helpers/cli-build.js';
import { startRun, waitFor, type RunProcess } from '../helpers/cli-process.js';
import { startHarness, type Harness } from '../helpers/bot-harness.js';
import { gitlabStateProblems, randomFrom } from '../helpers/crash-checks.js';
import { crashWorld } from '../helpers/crash-world.js';

const ALLOWLIST = /\/job_token_scope\/allowlist$/;

let cli: string;
let h: Harness | undefined;
let bot: RunProcess | undefined;

beforeAll(async () => {
  cli = await builtCli();
}, 150_000);

let sim: Simulator | undefined;
let folder: string | undefined;

afterEach(async () => {
  await bot?.kill();
  await h?.close();
  await sim?.close();
  if (folder) rmSync(folder, { recursive: true, force: true });
  bot = undefined;
  h = undefined;
  sim = undefined;
  folder = undefined;
});

describe('kill -9 of `run` between the allowlist write and its record', () => {
  it("settles on restart: the write is the bot's, jobs retried once, the note says fixed, a second approval does nothing", async () => {
    const harness = await startHarness({ botRole: 40 });
    h = harness;
    harness.world.addMember(harness.ids.projects.app, harness.ids.users.bot, 30);
    harness.world.addMember(harness.ids.projects.app, harness.ids.users.bob, 10);
    const pipeline = harness.runSeed();
    const start = () =>
      startRun({
        cli,
        gitlabUrl: harness.sim.url,
        token: harness.ids.tokens.bot,
        dbPath: harness.dbPath,
        projects: ['team/app'],
        file: { cacheTtlSeconds: 0 },
      });
    const posts = () =>
      harness.sim.requests.filter((r) => r.method === 'POST' && ALLOWLIST.test(r.path));
    const retries = () =>
      harness.sim.requests.filter(
        (r) => r.method === 'POST' && /\/jobs\/\d+\/retry$/.test(r.path) && r.status === 201,
      );
    const body = () => harness.botNotes()[0]?.body ?? '';

    bot = start();
    await waitFor('the offer', () => body().includes('**Accept with one click.**'));
    // GitLab applies the write and then never answers: the process is killed while it waits.
    harness.sim.faults.push({
      method: 'POST',
      path: ALLOWLIST,
      status: 201,
      apply: true,
      delayMs: 120_000,
    });
    const note = harness.botNotes()[0];
    harness.world.awardEmoji(
      harness.ids.projects.app,
      harness.ids.mergeRequest.iid,
      note?.id ?? 0,
      harness.ids.users.bob,
      'thumbsup',
    );
    await waitFor('the write', () => posts().length === 1);
    await bot.kill('SIGKILL');

    const onAllowlist = () =>
      harness.world.evaluatePull(
        harness.ids.projects.app,
        harness.ids.users.alice,
        harness.ids.image,
      ).ok;
    expect(onAllowlist()).toBe(true);
    const store = openDatabase(harness.dbPath);
    const incidentId = store.incidents.listIncidents()[0]?.id ?? 0;
    expect(store.writeIntents.listPending()).toHaveLength(1);
    expect(store.actions.listActions(incidentId).map((a) => a.kind)).not.toContain('api-write');
    store.close();

    harness.sim.faults.length = 0;
    bot = start();
    await waitFor('the note to say fixed', () =>
      body().includes('**Fixed.** `bob` accepted the change'),
    );
    await waitFor('the retried job to finish', () => body().includes('(success)'));

    expect(posts()).toHaveLength(1);
    expect(retries()).toHaveLength(1);
    expect(harness.world.jobsOf(pipeline.id).map((j) => j.status)).toEqual(['success']);

    const reply = harness.world.addMergeRequestNote(
      harness.ids.projects.app,
      harness.ids.mergeRequest.iid,
      harness.ids.users.bob,
      '@diagnoser-bot apply',
    );
    const read = openDatabase(harness.dbPath);
    await waitFor('the second approval to be handled', () =>
      read.actions
        .listActions(incidentId)
        .some((a) => a.kind === 'approval' && a.detail.key === `note:${reply.id}`),
    );
    const actions = read.actions.listActions(incidentId);
    read.close();

    expect(posts()).toHaveLength(1);
    expect(retries()).toHaveLength(1);
    expect(actions.at(-1)).toMatchObject({ kind: 'approval', status: 'ignored' });
    const kinds = actions.map((a) => `${a.kind}:${a.status}`);
    expect(kinds).toContain('api-write:ok');
    expect(kinds).not.toContain('fix-outcome:fixed-by-hand');
    expect(harness.botNotes()).toHaveLength(1);
    expect(bot.output()).not.toMatch(/"level":(50|60)/);
  }, 400_000);
});

/** Fixed, so a failure replays: the kill points are the same on every run. */
const SEED = 20_261_207;
const KILLS = 12;
/** Longest a start runs before its kill, from its first request. */
const IDLE_MS = 3_000;
/** A kill comes after 1 to this many requests of the new process reach GitLab. */
const MOST_REQUESTS_BEFORE_KILL = 60;

describe('`run` killed with SIGKILL at random points of its first cycles', () => {
  // The failure message lists every note.
  it(`survives ${KILLS} kills: one note per merge request, each approved fix written once, every failed job diagnosed`, async () => {
    const { world, ids, cases } = crashWorld();
    sim = await startSimulator({ world });
    const gitlab = sim;
    folder = mkdtempSync(join(tmpdir(), 'diagnoser-crash-'));
    const dbPath = join(folder, 'diagnoser.db');
    const start = () =>
      startRun({
        cli,
        gitlabUrl: gitlab.url,
        token: ids.tokens.bot,
        dbPath,
        projects: cases.map((c) => c.path),
        file: { cacheTtlSeconds: 0 },
      });
    const botNotes = (c: (typeof cases)[number]) =>
      world.notesOn(c.projectId, c.iid).filter((n) => n.authorId === ids.users.bot);
    // bob approves each offer he is meant to, once, as soon as he sees it.
    const approved = new Set<number>();
    const approver = setInterval(() => {
      for (const c of cases) {
        const note = botNotes(c)[0];
        if (
          !c.approve ||
          approved.has(c.projectId) ||
          !note?.body.includes('Accept with one click')
        ) {
          continue;
        }
        world.awardEmoji(c.projectId, c.iid, note.id, ids.users.bob, 'thumbsup');
        approved.add(c.projectId);
      }
    }, 20);

    const random = randomFrom(SEED);
    let kills = 0;
    try {
      for (let i = 0; i < KILLS; i++) {
        bot = start();
        const before = gitlab.requests.length;
        const after = 1 + Math.floor(random() * MOST_REQUESTS_BEFORE_KILL);
        const running = bot;
        // After `after` requests, or, once the process is idle, after a few seconds of polling.
        await waitFor(
          `the first request of start ${i + 1}`,
          () => gitlab.requests.length > before || running.child.exitCode !== null,
          60_000,
        );
        const firstAt = Date.now();
        await waitFor(
          `request ${after} of start ${i + 1}`,
          () =>
            gitlab.requests.length >= before + after ||
            Date.now() - firstAt > IDLE_MS ||
            running.child.exitCode !== null,
        );
        if (running.child.exitCode !== null) {
          throw new Error(`start ${i + 1} exited by itself:\n${running.output()}`);
        }
        await bot.kill('SIGKILL');
        kills += 1;
      }
      // The last start runs to the end: every fix applied, every retried job finished.
      bot = start();
      const finished = () =>
        cases.every((c) => {
          const body = botNotes(c)[0]?.body ?? '';
          if (!c.approve) return body !== '';
          return (
            body.includes('**Fixed.**') && body.split('(success)').length - 1 === c.jobIds.length
          );
        });
      await waitFor('every note to say how it ended', finished, 120_000).catch((error: unknown) => {
        const bodies = cases.map((c) => `${c.path}: ${botNotes(c)[0]?.body ?? '(none)'}`);
        throw new Error(`${String(error)}\n${bodies.join('\n---\n')}\n${bot?.output() ?? ''}`);
      });
      await bot.kill('SIGTERM');
    } finally {
      clearInterval(approver);
    }

    const store = openDatabase(dbPath);
    const problems = gitlabStateProblems({ sim: gitlab, world, ids, cases, store });
    store.close();
    process.stdout.write(
      `crash test: ${kills} SIGKILLs survived (seed ${SEED}); duplicates ${problems.duplicates.length}, losses ${problems.losses.length}\n`,
    );
    expect(problems).toEqual({ duplicates: [], losses: [] });
    expect(gitlab.errors).toEqual([]);
    expect(gitlab.unhandled).toEqual([]);
  }, 400_000);
});
