import { afterEach, describe, expect, it } from 'vitest';
import { startWithSeedNote, type Harness } from '../helpers/bot-harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

/** The seed story, but the tag the job asks for was never pushed: two causes at once. */
async function missingEntryAndTag() {
  const started = await startWithSeedNote({
    botRetries: true,
    bobSeesApp: true,
    run: (h) =>
      h.runOnMergeRequest([
        {
          name: 'build-app',
          stage: 'build',
          image: h.ids.image.replace(/:1\.5$/, ':9.9'),
          script: ['poetry build'],
        },
      ]),
  });
  h = started.h;
  return started;
}

describe('the allowlist entry and the image tag are both missing', () => {
  it('says both, never "the image is there", and offers the entry saying it is not enough', async () => {
    const { note } = await missingEntryAndTag();

    expect(note.body).not.toContain('the image is there');
    expect(note.body).toContain('and the image tag does not exist');
    expect(note.body).toContain('`team/app` is not on that list');
    expect(note.body).toContain('has no tag `9.9`');
    expect(note.body).toContain(
      'adding `team/app` to the allowlist alone will not make the job pass',
    );
    expect(note.body).toContain('**Also needed.**');
    expect(note.body).toContain('or push `9.9` first');
    expect(note.body).toContain('**Accept with one click.**');
    expect(note.body).toContain('This change alone does not make the job pass');
  });

  it('after a 👍 the entry is added, the retried job fails on the tag, and no note says "Fixed."', async () => {
    const { bot, pipeline } = await missingEntryAndTag();
    h.thumbsUp();

    await bot.poller.runCycle();
    await bot.poller.runCycle();
    await bot.poller.runCycle();

    // GitLab's state: the entry is there, and the job ran again and failed again.
    expect(h.world.project(h.ids.projects.poetry)?.jobTokenAllowlist.projectIds).toEqual([
      h.ids.projects.app,
    ]);
    const jobs = h.world.jobsOf(pipeline.id);
    expect(jobs.map((j) => j.status)).toEqual(['failed']);
    expect(jobs[0]?.id).not.toBe(h.world.jobsOf(pipeline.id, true)[0]?.id);

    const notes = h.botNotes();
    expect(notes).toHaveLength(1);
    const body = notes[0]?.body ?? '';
    expect(body).not.toContain('**Fixed.**');
    expect(body).toContain('**Allowlist entry added, not fixed yet.**');
    expect(body).toMatch(/build\\-app\]\([^)]*\) \(failed\)/);
    expect(body).toContain('The job still fails: the image');
    // The retried job's own failure is the missing tag, now that the token gets in.
    expect(body).toContain('verdict `tag-not-found`');
  });
});
