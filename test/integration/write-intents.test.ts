import { afterEach, describe, expect, it } from 'vitest';
import { startWithSeedNote, stepsOf, trailOf, type Harness } from '../helpers/bot-harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

const ALLOWLIST_POST = /\/job_token_scope\/allowlist$/;

const allowlistPosts = () =>
  h.sim.requests.filter((r) => r.method === 'POST' && ALLOWLIST_POST.test(r.path));
const jobRetries = () =>
  h.sim.requests.filter(
    (r) => r.method === 'POST' && /\/jobs\/\d+\/retry$/.test(r.path) && r.status === 201,
  );
const onAllowlist = () =>
  h.world.evaluatePull(h.ids.projects.app, h.ids.users.alice, h.ids.image).ok;
const noteBody = () => h.botNotes()[0]?.body ?? '';
/** GitLab adds the entry, but its answer never arrives in time. */
const writtenAnswerLost = () => ({
  method: 'POST',
  path: ALLOWLIST_POST,
  status: 201,
  apply: true,
  delayMs: 20_000,
});

/** The seed story with an offer on the merge request, and bob (Maintainer of B) approving it. */
async function approvedOffer() {
  const started = await startWithSeedNote({
    botRetries: true,
    bobSeesApp: true,
    // A short timeout so a hanging answer becomes a client timeout quickly.
    config: { requestTimeoutMs: 400 },
  });
  h = started.h;
  h.thumbsUp();
  return started;
}

async function until(condition: () => boolean) {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('an allowlist write whose answer is lost', () => {
  it("is recorded as the bot's when GitLab made it: jobs retried once, the note says fixed, a second approval does nothing", async () => {
    const { bot, pipeline } = await approvedOffer();
    h.sim.faults.push(writtenAnswerLost());

    await bot.poller.runCycle();

    expect(allowlistPosts()).toHaveLength(1);
    expect(onAllowlist()).toBe(true);
    expect(h.world.jobsOf(pipeline.id).map((j) => j.status)).toEqual(['success']);
    expect(jobRetries()).toHaveLength(1);
    expect(noteBody()).toContain('**Fixed.** `bob` accepted the change');
    const kinds = stepsOf(bot);
    expect(kinds).toContain('api-write:ok');
    expect(kinds).not.toContain('fix-outcome:fixed-by-hand');
    expect(trailOf(bot).find((a) => a.kind === 'api-write')?.detail).toMatchObject({
      approvedBy: 'bob',
      confirmedBy: 'reading the allowlist again',
    });
    expect(bot.store.writeIntents.listPending()).toEqual([]);

    h.reply(h.ids.users.bob, '@diagnoser-bot apply');
    await bot.poller.runCycle();
    await bot.poller.runCycle();

    expect(allowlistPosts()).toHaveLength(1);
    expect(jobRetries()).toHaveLength(1);
    expect(trailOf(bot).at(-1)).toMatchObject({ kind: 'approval', status: 'ignored' });
    expect(noteBody()).toContain('**Fixed.** `bob` accepted the change');
    expect(h.botNotes()).toHaveLength(1);
  });

  it('is settled in a later cycle when the check after it fails too, without writing again', async () => {
    const { bot, pipeline } = await approvedOffer();
    h.sim.faults.push(writtenAnswerLost());

    const cycle = bot.poller.runCycle();
    // Once the write is in, every read of the allowlist fails for a while.
    await until(() => allowlistPosts().length === 1);
    h.sim.faults.push({ method: 'GET', path: ALLOWLIST_POST, status: 503, times: 3 });
    await cycle;

    expect(onAllowlist()).toBe(true);
    expect(noteBody()).toContain('**Accepted, not applied yet.**');
    expect(h.world.jobsOf(pipeline.id).map((j) => j.status)).toEqual(['failed']);

    h.clock.advance(5 * 60_000);
    const restarted = h.startBot();
    await restarted.poller.runCycle();

    expect(allowlistPosts()).toHaveLength(1);
    expect(jobRetries()).toHaveLength(1);
    expect(h.world.jobsOf(pipeline.id).map((j) => j.status)).toEqual(['success']);
    expect(noteBody()).toContain('**Fixed.** `bob` accepted the change');
    expect(stepsOf(restarted)).not.toContain('fix-outcome:fixed-by-hand');
  });
});

describe('a transient error during the write keeps the approval', () => {
  it.each([
    ['500', { status: 500 }],
    ['503 with Retry-After', { status: 503, retryAfter: 1 }],
    ['a timeout', { status: 504, delayMs: 20_000 }],
    ['a connection reset', { status: 500, reset: true }],
  ])('after %s, the write is tried again in the next cycle, once', async (_, fault) => {
    const { bot, pipeline } = await approvedOffer();
    h.sim.faults.push({ method: 'POST', path: ALLOWLIST_POST, ...fault });

    await bot.poller.runCycle();

    expect(onAllowlist()).toBe(false);
    expect(noteBody()).toContain('**Accepted, not applied yet.**');
    expect(noteBody()).not.toContain('**Accept with one click.**');

    h.clock.advance(5 * 60_000);
    await bot.poller.runCycle();
    await bot.poller.runCycle();

    expect(onAllowlist()).toBe(true);
    expect(allowlistPosts().map((r) => r.status)).toEqual([
      // A reset is never answered; a timeout not before the client gave up.
      'reset' in fault ? -1 : 'delayMs' in fault ? 0 : fault.status,
      201,
    ]);
    expect(h.world.jobsOf(pipeline.id).map((j) => j.status)).toEqual(['success']);
    expect(jobRetries()).toHaveLength(1);
    expect(noteBody()).toContain('**Fixed.** `bob` accepted the change');
  });

  it('reports "could not be applied" after a second failure, and tries no more', async () => {
    const { bot, pipeline } = await approvedOffer();
    h.sim.faults.push({ method: 'POST', path: ALLOWLIST_POST, status: 503, times: 2 });

    await bot.poller.runCycle();
    h.clock.advance(5 * 60_000);
    await bot.poller.runCycle();
    h.clock.advance(5 * 60_000);
    await bot.poller.runCycle();

    expect(allowlistPosts().map((r) => r.status)).toEqual([503, 503]);
    expect(onAllowlist()).toBe(false);
    expect(h.world.jobsOf(pipeline.id).map((j) => j.status)).toEqual(['failed']);
    expect(jobRetries()).toEqual([]);
    expect(noteBody()).toContain('**The one-click fix could not be applied.**');
    expect(noteBody()).toContain('did not answer the bot');
    expect(bot.store.writeIntents.listPending()).toEqual([]);
    expect(stepsOf(bot)).toContain('fix-outcome:failed');
  });
});
