import { afterEach, describe, expect, it } from 'vitest';
import {
  DOCKER_DAEMON_DOWN,
  TYPESCRIPT_ERROR,
  startHarness,
  startWithSeedNote,
  stepsOf,
  type Harness,
} from '../helpers/bot-harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

/** A job of team/app's merge request whose dind service was not there: a retry can pass. */
async function seedRetryOffer() {
  const started = await startWithSeedNote({
    botRole: 0,
    botRetries: true,
    run: (h) =>
      h.failOnMergeRequest({
        name: 'build-image',
        script: 'docker build -t app .',
        output: DOCKER_DAEMON_DOWN,
      }),
  });
  h = started.h;
  return started;
}

const retriesOf = (h: Harness) =>
  h.sim.requests.filter((r) => r.method === 'POST' && /\/jobs\/\d+\/retry$/.test(r.path));

describe('one-click retry of an infrastructure failure', () => {
  it('offers it, and retries the job on a thumbs-up from a Developer of the project', async () => {
    const { bot, note, pipeline } = await seedRetryOffer();
    expect(note.body).toContain('often passes on a retry');
    expect(note.body).toContain('**Retry with one click.**');
    expect(note.body).toContain('`@diagnoser-bot retry`');
    const before = h.world.jobsOf(pipeline.id).map((j) => j.id);

    h.thumbsUp(h.ids.users.alice);
    const report = await bot.poller.runCycle();

    expect(report.oneClick).toMatchObject({ retried: 1, refused: 0 });
    const after = h.world.jobsOf(pipeline.id);
    expect(after.map((j) => j.id)).not.toEqual(before);
    expect(after.some((j) => !before.includes(j.id))).toBe(true);
    const body = h.botNotes()[0]?.body ?? '';
    expect(body).toContain('**Retried.** `alice` asked for a retry');
    expect(h.botNotes()).toHaveLength(1);
    expect(stepsOf(bot)).toEqual([
      'offer-pending:ok',
      'note-created:ok',
      'fix-offered:ok',
      'approval:allowed',
      'retry:ok',
      'note-edited:ok',
    ]);

    // The same thumbs-up is handled once: no second retry.
    const again = await bot.poller.runCycle();
    expect(again.oneClick).toMatchObject({ approvalsSeen: 0, retried: 0 });
    expect(retriesOf(h)).toHaveLength(1);
  });

  it('retries on a reply `@bot retry` from a Maintainer', async () => {
    const { bot, pipeline } = await seedRetryOffer();
    const before = h.world.jobsOf(pipeline.id).map((j) => j.id);
    h.reply(h.ids.users.carol, '@diagnoser-bot retry');
    const report = await bot.poller.runCycle();
    expect(report.oneClick).toMatchObject({ retried: 1 });
    expect(h.world.jobsOf(pipeline.id).map((j) => j.id)).not.toEqual(before);
    expect(retriesOf(h)).toHaveLength(1);
  });

  it.each([
    ['a Reporter of the project', 20],
    ['a Guest of the project', 10],
    ['a bystander with no role', 0],
  ])('retries nothing for %s, and answers a reply once', async (_, level) => {
    const { bot, note, pipeline } = await seedRetryOffer();
    const user = h.world.addUser({ username: 'rita' });
    if (level > 0) h.world.addMember(h.ids.projects.app, user.id, level as 10 | 20);
    const before = h.world.jobsOf(pipeline.id).map((j) => `${j.id}:${j.status}`);

    h.thumbsUp(user.id);
    h.reply(user.id, '@diagnoser-bot retry');
    const first = await bot.poller.runCycle();
    const second = await bot.poller.runCycle();

    expect(first.oneClick).toMatchObject({ retried: 0, refused: 2 });
    expect(second.oneClick).toMatchObject({ approvalsSeen: 0 });
    expect(h.world.jobsOf(pipeline.id).map((j) => `${j.id}:${j.status}`)).toEqual(before);
    expect(retriesOf(h)).toEqual([]);
    const replies = h.botNotes().filter((n) => n.id !== note.id);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.body).toContain(
      'Only Developers, Maintainers and Owners of the project can have its jobs retried',
    );
  });

  it.each([
    ['its posting failed (500)', { status: 500 }],
    ['GitLab made it and the answer was lost', { status: 502, apply: true, reset: true }],
  ])('answers a refused `@bot retry` once when %s', async (_, fault) => {
    const { bot, note, pipeline } = await seedRetryOffer();
    const user = h.world.addUser({ username: 'rita' });
    h.world.addMember(h.ids.projects.app, user.id, 20);
    const before = h.world.jobsOf(pipeline.id).map((j) => `${j.id}:${j.status}`);
    h.reply(user.id, '@diagnoser-bot retry');
    h.sim.faults.push({ method: 'POST', path: /\/merge_requests\/\d+\/notes$/, ...fault });

    await bot.poller.runCycle().catch(() => undefined);
    await bot.poller.runCycle();
    await bot.poller.runCycle();

    const answers = h.botNotes().filter((n) => n.id !== note.id);
    expect(answers).toHaveLength(1);
    expect(answers[0]?.body).toContain('nothing was changed for `rita`');
    expect(retriesOf(h)).toEqual([]);
    expect(h.world.jobsOf(pipeline.id).map((j) => `${j.id}:${j.status}`)).toEqual(before);
  });

  it('offers no retry for a failure of the code', async () => {
    h = await startHarness();
    h.runOnMergeRequest([
      {
        name: 'typecheck',
        image: 'alpine:3.20',
        script: ['npx tsc --noEmit'],
        scriptOutput: [TYPESCRIPT_ERROR],
        exitCode: 2,
      },
    ]);
    const bot = h.startBot();
    await bot.poller.runCycle();
    const body = h.botNotes()[0]?.body ?? '';
    expect(body).toContain('TypeScript');
    expect(body).not.toContain('Retry with one click');
  });
});
