import { afterEach, describe, expect, it } from 'vitest';
import { startWithSeedNote, type Harness } from '../helpers/bot-harness.js';

/** After a revert, the change is offered again only if the failure comes back. */
let h: Harness;
afterEach(async () => {
  await h.close();
});

const appLetIn = () => h.world.evaluatePull(h.ids.projects.app, h.ids.users.alice, h.ids.image).ok;
const reply = (body: string) => h.reply(h.ids.users.bob, body);

describe('a reverted change', () => {
  it('is offered again when the failure returns, and only an approval of the new offer applies it', async () => {
    const started = await startWithSeedNote({ botRetries: true, bobSeesApp: true });
    h = started.h;
    const { bot } = started;
    h.thumbsUp();
    await bot.poller.runCycle();
    expect(appLetIn()).toBe(true);
    reply('@diagnoser-bot revert');
    await bot.poller.runCycle();
    expect(appLetIn()).toBe(false);
    expect(h.botNotes()[0]?.body).toContain('**Reverted.**');

    // Asked for while nothing is offered, just before the failure returns: it applies nothing.
    h.clock.advance(60_000);
    reply('@diagnoser-bot apply');
    h.runSeed();
    await bot.poller.runCycle();
    expect(h.botNotes()[0]?.body).toContain('Accept with one click');
    await bot.poller.runCycle();
    expect(appLetIn()).toBe(false);

    reply('@diagnoser-bot apply');
    await bot.poller.runCycle();
    expect(appLetIn()).toBe(true);
  });
});
