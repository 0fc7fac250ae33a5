import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/index.js';
import { buildCli, startRun, waitFor, type RunProcess } from '../helpers/cli-process.js';
import { startHarness, type Harness } from '../helpers/bot-harness.js';

const BUILD = join('test-artifacts', 'crash-build');
const ALLOWLIST = /\/job_token_scope\/allowlist$/;

let cli: string;
let h: Harness | undefined;
let bot: RunProcess | undefined;

beforeAll(async () => {
  cli = await buildCli(BUILD);
}, 150_000);

afterEach(async () => {
  await bot?.kill();
  await h?.close();
  bot = undefined;
  h = undefined;
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
  }, 90_000);
});
