import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import {
  startHarness,
  startWithSeedNote,
  stepsOf,
  trailOf,
  type Harness,
  type SeedNoteOptions,
} from '../helpers/bot-harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

const allowlistWrites = (h: Harness) =>
  h.sim.requests.filter((r) => r.method !== 'GET' && r.path.includes('/job_token_scope/allowlist'));

/** The seed story's offer, with the roles a one-click fix and its retry need unless `options` say. */
async function seedWithOffer(options: SeedNoteOptions = {}) {
  const started = await startWithSeedNote({ botRetries: true, bobSeesApp: true, ...options });
  h = started.h;
  return started;
}

describe('one-click fix: a maintainer of the image project approves', () => {
  it('applies on a thumbs-up from a Maintainer of B, retries the job and reports it', async () => {
    const { bot, note, pipeline } = await seedWithOffer();
    expect(note.body).toContain('**Accept with one click.**');
    expect(note.body).toContain('`@diagnoser-bot apply`');

    h.thumbsUp();
    const report = await bot.poller.runCycle();

    expect(report.oneClick).toMatchObject({ applied: 1, retried: 1 });
    expect(h.world.evaluatePull(h.ids.projects.app, h.ids.users.alice, h.ids.image).ok).toBe(true);
    const jobs = h.world.jobsOf(pipeline.id);
    expect(jobs.map((j) => j.status)).toEqual(['success']);
    const body = h.botNotes()[0]?.body ?? '';
    expect(body).toContain('**Fixed.** `bob` accepted the change');
    expect(body).toContain('(success)');
    expect(h.botNotes()).toHaveLength(1);

    const incident = bot.store.incidents.listIncidents()[0];
    expect(incident?.status).toBe('fixed');
    expect(stepsOf(bot)).toEqual([
      'offer-pending:ok',
      'note-created:ok',
      'fix-offered:ok',
      'approval:allowed',
      'api-write:201',
      'status:fixed',
      'retry:ok',
      'note-edited:ok',
    ]);

    const shown = await runCli(['incidents', 'show', String(incident?.id), '--db', h.dbPath], {
      DIAGNOSER_CONFIG: undefined,
      DIAGNOSER_DB: undefined,
    });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('Action trail');
    expect(shown.stdout).toMatch(/approval\s+allowed\s+by bob/);
    expect(shown.stdout).toMatch(/api-write\s+201/);
    expect(shown.stdout).toMatch(/retry\s+ok/);
  });

  it.each([
    ['a Developer of B', 'dave', 30],
    ['a Maintainer of A who has no role in B', 'carol', 0],
    ['the merge request author (Reporter of B)', 'alice', 20],
  ])('changes nothing for %s, and answers a reply once', async (_, who, level) => {
    const { bot, note } = await seedWithOffer();
    const userId =
      who === 'dave'
        ? h.world.addUser({ username: 'dave' }).id
        : who === 'carol'
          ? h.ids.users.carol
          : h.ids.users.alice;
    if (who === 'dave') h.world.addMember(h.ids.projects.poetry, userId, 30);
    h.world.addMember(h.ids.projects.app, userId, 30);

    h.thumbsUp(userId);
    h.reply(userId, '@diagnoser-bot apply please');
    const first = await bot.poller.runCycle();
    const second = await bot.poller.runCycle();

    expect(first.oneClick).toMatchObject({ applied: 0, refused: 2 });
    expect(second.oneClick).toMatchObject({ approvalsSeen: 0 });
    expect(allowlistWrites(h)).toEqual([]);
    const replies = h.botNotes().filter((n) => n.id !== note.id);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.body).toContain(
      'Only Maintainers and Owners of the project whose allowlist changes can accept this change',
    );
    const refusal = trailOf(bot).find((a) => a.kind === 'approval' && a.status === 'refused');
    expect(refusal).toMatchObject({ actor: who, detail: { accessLevel: level } });
  });

  it.each([
    ['its posting failed (500)', { status: 500 }],
    ['GitLab made it and the answer was lost', { status: 502, apply: true, reset: true }],
  ])('answers a refused reply once when %s', async (_, fault) => {
    const { bot } = await seedWithOffer();
    h.world.addMember(h.ids.projects.app, h.ids.users.carol, 40);
    h.reply(h.ids.users.carol, '@diagnoser-bot apply');
    h.sim.faults.push({ method: 'POST', path: /\/merge_requests\/\d+\/notes$/, ...fault });
    await bot.poller.runCycle().catch(() => undefined);
    await bot.poller.runCycle();
    await bot.poller.runCycle();

    const answers = h.botNotes().filter((n) => n.body.includes('nothing was changed for `carol`'));
    expect(answers).toHaveLength(1);
    expect(allowlistWrites(h)).toEqual([]);
  });

  it('retries every failed job of the pipeline, asking once whether it is still the newest', async () => {
    const { bot, pipeline } = await seedWithOffer({
      run: (h) =>
        h.runOnMergeRequest([
          { name: 'build-app', image: h.ids.image, script: ['poetry build'] },
          { name: 'test-app', image: h.ids.image, script: ['poetry run pytest'] },
        ]),
    });
    h.thumbsUp();
    h.sim.requests.length = 0;

    await bot.poller.runCycle();

    expect(h.world.jobsOf(pipeline.id).map((j) => j.status)).toEqual(['success', 'success']);
    expect(h.sim.requests.filter((r) => r.path.endsWith('/pipelines'))).toHaveLength(1);
  });

  it('applies once when two approvals arrive together', async () => {
    const { bot } = await seedWithOffer();
    h.thumbsUp();
    h.reply(h.ids.users.bob, '@diagnoser-bot apply');

    await bot.poller.runCycle();
    await bot.poller.runCycle();

    expect(allowlistWrites(h)).toHaveLength(1);
  });

  it('resumes after a crash between the write and the retry, without writing twice', async () => {
    const { pipeline } = await seedWithOffer();
    h.thumbsUp();
    h.sim.faults.push({ method: 'POST', path: /\/jobs\/\d+\/retry$/, status: 503, times: 100 });
    const crashing = h.startBot();
    await crashing.poller.runCycle();
    crashing.close();
    expect(allowlistWrites(h)).toHaveLength(1);
    expect(h.world.jobsOf(pipeline.id).map((j) => j.status)).toEqual(['failed']);

    h.sim.faults.length = 0;
    h.clock.advance(5 * 60_000);
    const restarted = h.startBot();
    await restarted.poller.runCycle();

    expect(allowlistWrites(h)).toHaveLength(1);
    expect(h.world.jobsOf(pipeline.id).map((j) => j.status)).toEqual(['success']);
    expect(h.botNotes()[0]?.body).toContain('(success)');
  });

  it('notices a fix made by hand before the approval', async () => {
    const { bot } = await seedWithOffer();
    h.world.allowlistProject(h.ids.projects.poetry, h.ids.projects.app);
    h.thumbsUp();

    await bot.poller.runCycle();

    expect(allowlistWrites(h)).toEqual([]);
    expect(h.botNotes()[0]?.body).toContain(
      'was added to the allowlist of `containers/poetry` by hand',
    );
    expect(stepsOf(bot)).toContain('fix-outcome:fixed-by-hand');
  });

  it('refuses a Maintainer of B who cannot see A, as GitLab would', async () => {
    const { bot } = await seedWithOffer({ botRetries: false, bobSeesApp: false });
    // bob maintains containers/poetry but has no access to the private team/app.
    h.reply(h.ids.users.bob, '@diagnoser-bot apply');

    const report = await bot.poller.runCycle();

    expect(report.oneClick).toMatchObject({ applied: 0, refused: 1 });
    expect(allowlistWrites(h)).toEqual([]);
    const reply = h.botNotes().find((n) => n.body.includes('nothing was changed'));
    expect(reply?.body).toContain(
      'GitLab lets only people who can see the project being added accept this change',
    );
  });

  it('says so in the note when it may not retry the jobs', async () => {
    const { bot } = await seedWithOffer({ botRetries: false });
    h.thumbsUp();

    await bot.poller.runCycle();

    expect(allowlistWrites(h)).toHaveLength(1);
    expect(h.botNotes()[0]?.body).toContain('could not retry');
  });

  it('reverts the entry it added when a Maintainer asks, and audits it', async () => {
    const { bot } = await seedWithOffer();
    h.thumbsUp();
    await bot.poller.runCycle();
    h.reply(h.ids.users.bob, '@diagnoser-bot revert');

    await bot.poller.runCycle();

    expect(allowlistWrites(h).map((r) => r.method)).toEqual(['POST', 'DELETE']);
    expect(h.world.evaluatePull(h.ids.projects.app, h.ids.users.alice, h.ids.image).ok).toBe(false);
    expect(h.botNotes()[0]?.body).toContain('**Reverted.**');
    expect(bot.store.incidents.listIncidents()[0]?.status).toBe('open');
    expect(stepsOf(bot)).toContain('api-write:204');

    // The bot's own retry passed on the entry since removed: it is not a fix made by hand.
    h.clock.advance(61 * 60_000);
    await bot.poller.runCycle();
    expect(bot.store.incidents.listIncidents()[0]?.status).toBe('open');
    expect(h.botNotes()[0]?.body).toContain('**Reverted.**');
  });

  it('takes a reply on a commit discussion, where GitLab has no reactions', async () => {
    h = await startHarness({ botRole: 40, botRetries: true, bobSeesApp: true });
    const pipeline = h.runSeedOnMain();
    const bot = h.startBot();
    await bot.poller.runCycle();
    const [discussion] = h.world.commitDiscussions(h.ids.projects.app, pipeline.sha);
    expect(discussion?.notes[0]?.body).toContain('reply `@diagnoser-bot apply` to this comment');

    h.world.replyToDiscussion(discussion?.id ?? '', h.ids.users.bob, '@diagnoser-bot apply');
    await bot.poller.runCycle();

    expect(allowlistWrites(h)).toHaveLength(1);
    expect(h.world.jobsOf(pipeline.id).map((j) => j.status)).toEqual(['success']);
  });

  it('uses GraphQL on GitLab 15.10, where the allowlist has no REST API', async () => {
    const { bot, note, pipeline } = await seedWithOffer({ version: '15.10.2' });
    expect(bot.store.incidents.listIncidents()[0]).toMatchObject({ verdict: 'allowlist-missing' });
    expect(note.body).toContain('direction: INBOUND');
    expect(note.body).toContain('**Token Access**');

    h.thumbsUp();
    await bot.poller.runCycle();

    const graphql = h.sim.requests.filter((r) => r.path === '/api/graphql');
    expect(
      graphql.map(
        (r) => String(r.body?.query).match(/ciJobTokenScopeAddProject|ciCdSettings/)?.[0],
      ),
    ).toContain('ciJobTokenScopeAddProject');
    expect(allowlistWrites(h)).toEqual([]);
    expect(h.world.jobsOf(pipeline.id).map((j) => j.status)).toEqual(['success']);

    h.reply(h.ids.users.bob, '@diagnoser-bot revert');
    await bot.poller.runCycle();

    expect(h.world.evaluatePull(h.ids.projects.app, h.ids.users.alice, h.ids.image).ok).toBe(false);
    expect(h.botNotes()[0]?.body).toContain('**Reverted.**');
  });

  it('offers nothing when the bot cannot read the allowlist (a suspected verdict): the manual steps stay', async () => {
    const { bot } = await seedWithOffer({ botRole: 0, botRetries: false });
    h.thumbsUp();

    await bot.poller.runCycle();

    const body = h.botNotes()[0]?.body ?? '';
    expect(body).not.toContain('Accept with one click');
    expect(body).toContain('most likely');
    expect(body).toContain('**Job token permissions**');
    expect(allowlistWrites(h)).toEqual([]);
    expect(h.world.evaluatePull(h.ids.projects.app, h.ids.users.alice, h.ids.image).ok).toBe(false);
  });

  it('says so when the allowlist is full, and suggests a group entry', async () => {
    const { bot } = await seedWithOffer();
    const filler = h.world.addGroup({ path: 'filler' });
    for (let i = 0; i < 200; i++) {
      const project = h.world.addProject({ path: `p${i}`, namespaceId: filler.id });
      h.world.allowlistProject(h.ids.projects.poetry, project.id);
    }
    h.thumbsUp();

    await bot.poller.runCycle();

    expect(h.botNotes()[0]?.body).toContain('is full (GitLab allows `200` entries)');
    expect(h.botNotes()[0]?.body).toContain('apply group');
    expect(allowlistWrites(h)).toEqual([]);
  });

  it('adds the whole group on "apply group", never by default', async () => {
    const { note, pipeline } = await seedWithOffer();
    expect(note.body).toContain('`@diagnoser-bot apply group`');
    h.reply(h.ids.users.bob, '@diagnoser-bot apply group');
    const bot = h.startBot();

    await bot.poller.runCycle();

    const writes = h.sim.requests.filter(
      (r) => r.method === 'POST' && r.path.includes('job_token_scope'),
    );
    expect(writes.map((r) => r.path)).toEqual([
      `/api/v4/projects/${h.ids.projects.poetry}/job_token_scope/groups_allowlist`,
    ]);
    expect(h.world.jobsOf(pipeline.id).map((j) => j.status)).toEqual(['success']);
    expect(h.botNotes()[0]?.body).toContain('the group of `team/app`');
  });

  it('writes nothing in dry-run and says so in the trail', async () => {
    await seedWithOffer();
    const dry = h.startBot({ dryRun: true });
    h.thumbsUp();

    await dry.poller.runCycle();

    expect(allowlistWrites(h)).toEqual([]);
    expect(dry.skippedWrites.map((w) => w.method)).toContain('addProjectToJobTokenAllowlist');
    expect(dry.store.incidents.listIncidents()[0]?.status).toBe('open');
    expect(stepsOf(dry)).toContain('api-write:dry-run');
  });
});
