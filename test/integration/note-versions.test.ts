import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/bot-harness.js';

/**
 * What the bot's note shows, and when its offer was made, survive a lost answer or a crash
 * between GitLab writing a version of the note and the bot recording it (or between recording a
 * change and editing the note). Asserted on GitLab's state: the allowlist, the retried jobs and
 * the note itself.
 */
let h: Harness;
afterEach(async () => {
  await h.close();
});

const NOTE_PATH = /\/merge_requests\/\d+\/notes(?:\/\d+)?$/;
const allowlistPosts = () =>
  h.sim.requests.filter(
    (r) => r.method === 'POST' && /\/job_token_scope\/allowlist$/.test(r.path) && r.status === 201,
  );
const jobRetries = () =>
  h.sim.requests.filter(
    (r) => r.method === 'POST' && /\/jobs\/\d+\/retry$/.test(r.path) && r.status === 201,
  );
const appLetIn = () => h.world.evaluatePull(h.ids.projects.app, h.ids.users.alice, h.ids.image).ok;
const body = () => h.botNotes()[0]?.body ?? '';
const reply = (text: string) => h.reply(h.ids.users.bob, text);

/** The seed story's failure, before any cycle, with the roles a one-click fix needs. */
async function seedWithOffer() {
  h = await startHarness({ botRole: 40, botRetries: true, bobSeesApp: true });
  const pipeline = h.runSeed();
  return { bot: h.startBot(), pipeline };
}

describe('a change recorded but not yet shown on the note', () => {
  it('is shown by the next cycle when the edit after the fix failed', async () => {
    const { bot, pipeline } = await seedWithOffer();
    await bot.poller.runCycle();
    h.thumbsUp();
    // The fix is written and the job retried; the edit that would say so fails.
    h.sim.faults.push({ method: 'PUT', path: NOTE_PATH, status: 500 });
    await bot.poller.runCycle();
    expect(appLetIn()).toBe(true);
    expect(h.world.jobsOf(pipeline.id).map((j) => j.status)).toEqual(['success']);
    expect(body()).toContain('Accept with one click');

    await h.startBot().poller.runCycle();

    expect(body()).toContain('**Fixed.** `bob` accepted the change');
    expect(body()).toContain('(success)');
    expect(allowlistPosts()).toHaveLength(1);
    expect(jobRetries()).toHaveLength(1);
    expect(h.botNotes()).toHaveLength(1);
  });
});

describe('a version of the note GitLab wrote but the bot never recorded', () => {
  it('is adopted with the time GitLab wrote it: a 👍 given on it is acted on', async () => {
    const { bot, pipeline } = await seedWithOffer();
    // GitLab posts the note and its answer is lost: the bot does not know the note exists.
    h.sim.faults.push({ method: 'POST', path: NOTE_PATH, status: 500, apply: true });
    await bot.poller.runCycle();
    expect(body()).toContain('Accept with one click');
    h.thumbsUp();

    // The job whose note failed waits in the queue for a minute or two.
    h.clock.advance(3 * 60_000);
    const restarted = h.startBot();
    await restarted.poller.runCycle();
    await restarted.poller.runCycle();

    expect(appLetIn()).toBe(true);
    expect(allowlistPosts()).toHaveLength(1);
    expect(jobRetries()).toHaveLength(1);
    expect(h.world.jobsOf(pipeline.id).map((j) => j.status)).toEqual(['success']);
    expect(body()).toContain('**Fixed.** `bob` accepted the change');
    expect(h.botNotes()).toHaveLength(1);
  });

  it('keeps the time a new offer was shown when the edit that made it lost its answer', async () => {
    const { bot } = await seedWithOffer();
    await bot.poller.runCycle();
    h.thumbsUp();
    await bot.poller.runCycle();
    reply('@diagnoser-bot revert');
    await bot.poller.runCycle();
    expect(appLetIn()).toBe(false);

    // The failure returns: the edit that offers the change again is made, its answer lost.
    h.clock.advance(60_000);
    h.runSeed();
    h.sim.faults.push({ method: 'PUT', path: NOTE_PATH, status: 500, apply: true });
    await bot.poller.runCycle();
    expect(body()).toContain('Accept with one click');
    const offerShownAt = h.botNotes()[0]?.updatedAt.getTime() ?? 0;
    reply('@diagnoser-bot apply');

    // The job whose note failed waits in the queue for a minute or two.
    h.clock.advance(3 * 60_000);
    const restarted = h.startBot();
    await restarted.poller.runCycle();
    await restarted.poller.runCycle();

    expect(appLetIn()).toBe(true);
    expect(allowlistPosts()).toHaveLength(2);
    expect(body()).toContain('**Fixed.** `bob` accepted the change');
    // Offered again at the time GitLab showed it, not at a later edit.
    const incident = restarted.store.incidents.listIncidents()[0]?.id ?? 0;
    const offers = restarted.store.actions
      .listActions(incident)
      .filter((a) => a.kind === 'fix-offered');
    expect(Date.parse(String(offers.at(-1)?.detail.offeredAt))).toBe(offerShownAt);
  });

  it('still ignores a 👍 given before the offer was shown', async () => {
    const { bot } = await seedWithOffer();
    h.sim.faults.push({ method: 'POST', path: NOTE_PATH, status: 500, apply: true });
    await bot.poller.runCycle();
    const note = h.botNotes()[0];
    // The note is made to look older than a 👍 on it: a 👍 from before the offer approves nothing.
    h.thumbsUp();
    if (note) note.updatedAt = new Date(Date.now() + 60_000);

    // The job whose note failed waits in the queue for a minute or two.
    h.clock.advance(3 * 60_000);
    const restarted = h.startBot();
    await restarted.poller.runCycle();
    await restarted.poller.runCycle();

    expect(appLetIn()).toBe(false);
    expect(allowlistPosts()).toHaveLength(0);
    expect(body()).toContain('Accept with one click');
  });
});
