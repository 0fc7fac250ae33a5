import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { DOCKER_DAEMON_DOWN, TYPESCRIPT_ERROR, type Harness } from '../helpers/bot-harness.js';
import { startWithHooks } from '../helpers/webhook-harness.js';

let h: Harness;
let web: FastifyInstance | undefined;
afterEach(async () => {
  await web?.close();
  web = undefined;
  await h.close();
});

async function withHooks() {
  const started = await startWithHooks();
  h = started.h;
  web = started.web;
  return started;
}

const retriesOf = (h: Harness) =>
  h.sim.requests.filter((r) => r.method === 'POST' && /\/jobs\/\d+\/retry$/.test(r.path));

describe('webhooks: feedback and retries without waiting for a poll', () => {
  it('a 👎 arrives as an Emoji hook and is recorded; taking it back withdraws it', async () => {
    const { bot, settle } = await withHooks();
    h.runSeed();
    await settle();
    const note = h.botNotes()[0];
    if (!note) throw new Error('no bot note');
    const judged = () =>
      bot.store.feedback
        .listFeedbackOnNote(bot.store.notes.listNotesUpdatedSince(new Date(0))[0]?.id ?? 0)
        .map((f) => `${f.username}:${f.via}:${f.withdrawnAt === null ? 'standing' : 'withdrawn'}`);

    h.react(note.id, h.ids.users.alice, 'thumbsdown');
    await settle();
    expect(h.sim.hookDeliveries.filter((d) => d.event === 'Emoji Hook')).toHaveLength(1);
    expect(judged()).toEqual(['alice:reaction:standing']);

    h.unreact(note.id, h.ids.users.alice, 'thumbsdown');
    await settle();
    expect(judged()).toEqual(['alice:reaction:withdrawn']);

    h.reply(h.ids.users.carol, '@diagnoser-bot wrong');
    await settle();
    expect(judged()).toEqual(['alice:reaction:withdrawn', 'carol:reply:standing']);
    const replies = h.world
      .notesOn(h.ids.projects.app, h.ids.mergeRequest.iid)
      .filter((n) => n.authorId === h.ids.users.bot && n.id !== note.id);
    expect(replies.map((r) => r.body)).toEqual([expect.stringMatching(/^Noted, `carol`: /)]);
    // Nothing of this waited for a poll cycle, and the fix was not applied.
    expect(bot.store.meta.getMeta('last-cycle')).toBeUndefined();
    expect(h.world.project(h.ids.projects.poetry)?.jobTokenAllowlist.projectIds).not.toContain(
      h.ids.projects.app,
    );
  });

  it('a failed look-up of who the bot is does not stop later `wrong` replies from being read', async () => {
    const { bot, settle } = await withHooks();
    // A note that offers nothing: only the reply's own check reads its feedback.
    h.failOnMergeRequest({ name: 'compile', script: 'npx tsc', output: TYPESCRIPT_ERROR });
    await settle();
    const note = bot.store.notes.listNotesUpdatedSince(new Date(0))[0];
    if (!note) throw new Error('no bot note');
    const judged = () => bot.store.feedback.listFeedbackOnNote(note.id).map((f) => f.username);

    // GitLab cannot say who the bot is for a while (more failures than the client retries).
    h.sim.faults.push({ method: 'GET', path: /^\/user$/, status: 500, times: 20 });
    h.reply(h.ids.users.carol, '@diagnoser-bot wrong');
    await settle();
    expect(judged()).toEqual([]);

    h.sim.faults.length = 0;
    h.reply(h.ids.users.alice, '@diagnoser-bot wrong');
    await settle();
    expect(judged()).toEqual(expect.arrayContaining(['alice']));
  });

  it("a Developer's 👍 on a retry offer, delivered as an Emoji hook, retries the job at once", async () => {
    const { bot, settle } = await withHooks();
    const pipeline = h.failOnMergeRequest({
      name: 'build-image',
      script: 'docker build -t app .',
      output: DOCKER_DAEMON_DOWN,
    });
    await settle();
    const note = h.botNotes()[0];
    if (!note) throw new Error('no bot note');
    expect(note.body).toContain('**Retry with one click.**');
    const before = h.world.jobsOf(pipeline.id).map((j) => j.id);

    // alice is a Developer of team/app.
    h.react(note.id, h.ids.users.alice, 'thumbsup');
    await settle();

    expect(bot.store.meta.getMeta('last-cycle')).toBeUndefined();
    expect(retriesOf(h)).toHaveLength(1);
    const after = h.world.jobsOf(pipeline.id).map((j) => j.id);
    expect(after).not.toEqual(before);
    expect(h.botNotes()[0]?.body).toContain('**Retried.** `alice` asked for a retry');

    // The same 👍 is handled once, by the poll too.
    await bot.poller.runCycle();
    expect(retriesOf(h)).toHaveLength(1);
  });
});
