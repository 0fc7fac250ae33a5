import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/main.js';
import { installHooks } from '../../src/pipeline/discover/project-hooks.js';
import { jobPayload } from '../../src/simulator/index.js';
import { startHarness, type Harness } from '../helpers/bot-harness.js';
import {
  WEBHOOK_SECRET as SECRET,
  serveWebhooks,
  startWithHooks,
} from '../helpers/webhook-harness.js';

let h: Harness;
let web: FastifyInstance | undefined;
afterEach(async () => {
  await web?.close();
  web = undefined;
  await h.close();
});

/** The bot's webhook receiver on an HTTP server of its own, as `run` serves it. */
async function serve(bot: Bot) {
  const served = await serveWebhooks(h, bot);
  web = served.web;
  return served;
}

/** The seed world, a bot with webhooks on its own HTTP server, and its hook on team/app. */
async function withHooks() {
  const started = await startWithHooks();
  h = started.h;
  web = started.web;
  return started;
}

function post(url: string, body: unknown, headers: Record<string, string>) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Job Hook', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
}

function queued(bot: Bot) {
  const counts = bot.store.jobQueue.countJobs();
  return counts.pending + counts.done + counts.failed;
}

describe('webhooks: GitLab tells the bot, the bot answers without waiting for a poll', () => {
  it('posts the note from the Job and Pipeline hooks alone, with no poll cycle', async () => {
    const { settle, bot } = await withHooks();
    h.runSeed();
    await settle();

    const deliveries = h.sim.hookDeliveries;
    expect(deliveries.map((d) => d.event)).toEqual(
      expect.arrayContaining(['Job Hook', 'Pipeline Hook']),
    );
    expect(deliveries.every((d) => d.status === 200)).toBe(true);
    expect(deliveries[0]?.headers['X-Gitlab-Token']).toBe(SECRET);
    expect(h.botNotes()).toHaveLength(1);
    expect(h.botNotes()[0]?.body).toContain('**Accept with one click.**');
    expect(bot.store.meta.getMeta('last-cycle')).toBeUndefined();
  });

  it('installs once per project: a second install finds the hook by URL', async () => {
    const { bot, url } = await withHooks();
    const app = await bot.gitlab.getProject(h.ids.projects.app);
    const again = await installHooks(bot.gitlab, [app], { url, token: SECRET });
    expect(again.map((o) => o.status)).toEqual(['updated']);
    const hooks = h.world.hooks.filter((x) => x.projectId === h.ids.projects.app);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]?.events).toMatchObject({
      job_events: true,
      pipeline_events: true,
      note_events: true,
      emoji_events: true,
      push_events: false,
    });
  });

  it('answers 401 and queues nothing without the right X-Gitlab-Token', async () => {
    const { bot, url } = await withHooks();
    const pipeline = h.runSeed();
    await h.sim.hooksSettled();
    const before = queued(bot);
    const job = h.world.jobsOf(pipeline.id)[0];
    if (!job) throw new Error('no job');
    // A job the bot has not seen yet, announced by someone without the secret.
    const forged = { ...jobPayload(h.world, job), build_id: job.id + 999 };
    const wrong = await post(url, forged, { 'x-gitlab-token': 'not-the-secret' });
    const missing = await post(url, forged, {});
    expect([wrong.status, missing.status]).toEqual([401, 401]);
    expect(queued(bot)).toBe(before);
    expect(bot.store.jobQueue.isJobKnown(job.id + 999)).toBe(false);
  });

  it('a repeated delivery changes nothing', async () => {
    const { bot, url, settle } = await withHooks();
    const pipeline = h.runSeed();
    await settle();
    const job = h.world.jobsOf(pipeline.id)[0];
    if (!job) throw new Error('no job');
    const notesBefore = h.botNotes().map((n) => `${n.id}:${n.updatedAt.toISOString()}`);
    const writesBefore = h.sim.requests.filter((r) => r.method !== 'GET').length;
    const queuedBefore = queued(bot);

    const headers = { 'x-gitlab-token': SECRET, 'idempotency-key': 'same-event' };
    const first = await post(url, jobPayload(h.world, job), headers);
    const second = await post(url, jobPayload(h.world, job), headers);
    // Without the key (GitLab before 17.4), the queue still knows the job.
    const third = await post(url, jobPayload(h.world, job), { 'x-gitlab-token': SECRET });
    await settle();

    expect(await first.json()).toMatchObject({ status: 'queued', jobs: 0 });
    expect(await second.json()).toEqual({ status: 'duplicate' });
    expect(await third.json()).toMatchObject({ status: 'queued', jobs: 0 });
    expect(queued(bot)).toBe(queuedBefore);
    expect(h.botNotes().map((n) => `${n.id}:${n.updatedAt.toISOString()}`)).toEqual(notesBefore);
    expect(h.sim.requests.filter((r) => r.method !== 'GET').length).toBe(writesBefore);
  });

  it('a delivery repeated after a restart is dropped: the job is queued once and noted once', async () => {
    h = await startHarness({ botRole: 40 });
    h.world.addMember(h.ids.projects.app, h.ids.users.bot, 40);
    // No hook yet: GitLab tells nobody of this failure but the deliveries below.
    const job = h.world.jobsOf(h.runSeed().id)[0];
    if (!job) throw new Error('no job');
    const headers = { 'x-gitlab-token': SECRET, 'idempotency-key': 'one-event' };
    const before = h.startBot({ webhookSecret: SECRET });
    const first = await serve(before);
    const answer = await post(first.url, jobPayload(h.world, job), headers);
    await first.settle();
    expect(await answer.json()).toEqual({ status: 'queued', jobs: 1 });
    expect(h.botNotes()).toHaveLength(1);

    // A restart: a new bot on the same database, behind a new server.
    await web?.close();
    before.close();
    const after = h.startBot({ webhookSecret: SECRET });
    const second = await serve(after);
    const again = await post(second.url, jobPayload(h.world, job), headers);
    await second.settle();

    expect(await again.json()).toEqual({ status: 'duplicate' });
    expect(queued(after)).toBe(1);
    expect(h.botNotes()).toHaveLength(1);
  });

  it("a reply from someone who may not approve applies nothing; a Maintainer's 👍 applies", async () => {
    const { settle } = await withHooks();
    h.runSeed();
    await settle();
    const note = h.botNotes()[0];
    if (!note) throw new Error('no bot note');
    const allowlist = () =>
      h.world.project(h.ids.projects.poetry)?.jobTokenAllowlist.projectIds ?? [];

    // carol is a Maintainer of team/app only, not of containers/poetry.
    h.world.addMergeRequestNote(
      h.ids.projects.app,
      h.ids.mergeRequest.iid,
      h.ids.users.carol,
      '@diagnoser-bot apply',
    );
    await settle();
    expect(h.sim.hookDeliveries.some((d) => d.event === 'Note Hook')).toBe(true);
    expect(allowlist()).not.toContain(h.ids.projects.app);
    const replies = h.world
      .notesOn(h.ids.projects.app, h.ids.mergeRequest.iid)
      .filter((n) => n.authorId === h.ids.users.bot && n.id !== note.id);
    expect(replies.map((r) => r.body).join('\n')).toContain('nothing was changed for `carol`');

    h.world.awardEmoji(
      h.ids.projects.app,
      h.ids.mergeRequest.iid,
      note.id,
      h.ids.users.bob,
      'thumbsup',
    );
    await settle();
    expect(h.sim.hookDeliveries.some((d) => d.event === 'Emoji Hook')).toBe(true);
    expect(allowlist()).toContain(h.ids.projects.app);
    expect(h.botNotes()[0]?.body).toContain('**Fixed.** `bob` accepted the change');
  });
});
