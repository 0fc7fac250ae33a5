import { afterEach, describe, expect, it } from 'vitest';
import { startWithSeedNote, type Harness } from '../helpers/bot-harness.js';

/**
 * Each transition of domain/lifecycle.ts, driven through the simulator by what people do in
 * GitLab, asserted on the incident in SQLite, its trail, and the bot's note.
 */
let h: Harness;
afterEach(async () => {
  await h.close();
});

const MINUTE = 60_000;

async function seeded(options: { maintainer?: boolean; closeAfter?: string } = {}) {
  const started = await startWithSeedNote({
    botRole: options.maintainer === false ? 0 : 40,
    botRetries: true,
    bobSeesApp: true,
    config: options.closeAfter ? { closeAfter: options.closeAfter } : {},
  });
  h = started.h;
  const { bot, pipeline } = started;
  const incident = () => {
    const found = bot.store.incidents.listIncidents()[0];
    if (!found) throw new Error('no incident');
    return found;
  };
  const moves = () =>
    bot.store.actions
      .listActions(incident().id)
      .filter((a) => a.kind === 'status')
      .map((a): Record<string, unknown> => ({ status: a.status, ...a.detail }));
  const note = () => h.botNotes()[0]?.body ?? '';
  /** A later cycle, once the incident is due for another look. */
  const later = async (ms = 11 * MINUTE) => {
    h.clock.advance(ms);
    return bot.poller.runCycle();
  };
  return { bot, pipeline, incident, moves, note, later };
}

describe('incident lifecycle', () => {
  it('opens on the first failure, and the bot fixing it makes it fixed', async () => {
    const s = await seeded();
    expect(s.incident().status).toBe('open');
    expect(s.moves()).toEqual([]);

    h.thumbsUp();
    await s.bot.poller.runCycle();

    expect(s.incident().status).toBe('fixed');
    expect(s.moves()).toEqual([
      expect.objectContaining({
        status: 'fixed',
        from: 'open',
        event: 'fixed-by-bot',
        approvedBy: 'bob',
      }),
    ]);
    expect(s.note()).toContain('**Fixed.** `bob` accepted the change');
  });

  it('is fixed by hand when a Maintainer adds the entry in GitLab, and the note says so', async () => {
    const s = await seeded();
    expect(s.note()).toContain('**Accept with one click.**');

    h.world.allowlistProject(h.ids.projects.poetry, h.ids.projects.app);
    await s.later();

    expect(s.incident().status).toBe('fixed');
    expect(s.moves()).toEqual([
      expect.objectContaining({ status: 'fixed', event: 'fixed-by-hand', seen: 'allowlist' }),
    ]);
    expect(s.note()).toContain('was added to the allowlist of `containers/poetry` by hand');
    expect(s.note()).not.toContain('**Accept with one click.**');
    // Seen, not done: the bot made no write of its own.
    expect(
      h.sim.requests.filter((r) => r.method === 'POST' && r.path.includes('job_token')),
    ).toEqual([]);
  });

  it('is fixed by hand when a failed job passes on a retry someone else made', async () => {
    // Without Maintainer on the image's project the bot cannot read its allowlist.
    const s = await seeded({ maintainer: false });
    h.world.allowlistProject(h.ids.projects.poetry, h.ids.projects.app);
    const failed = h.world.jobsOf(s.pipeline.id)[0];
    const retried = h.world.retryJob(h.ids.projects.app, failed?.id ?? 0, h.ids.users.alice);
    expect(retried.status).toBe('success');

    await s.later();

    expect(s.incident().status).toBe('fixed');
    expect(s.moves()).toEqual([
      expect.objectContaining({ event: 'fixed-by-hand', seen: 'retry-passed', jobId: retried.id }),
    ]);
    expect(s.note()).toContain(
      `**Fixed.** [build\\-app](https://gitlab.example.org/team/app/-/jobs/${retried.id}) passed when it ran again`,
    );
  });

  it('reopens when the cause fails a job again after the fix, and the note stops saying Fixed', async () => {
    const s = await seeded();
    h.thumbsUp();
    await s.bot.poller.runCycle();
    expect(s.note()).toContain('**Fixed.**');

    // Someone takes the entry off again, and the next pipeline fails the same way.
    const poetry = h.world.project(h.ids.projects.poetry);
    if (!poetry) throw new Error('no poetry');
    poetry.jobTokenAllowlist.projectIds = [];
    const again = h.runSeed();
    const newJob = h.world.jobsOf(again.id)[0];
    expect(newJob?.status).toBe('failed');
    await s.later(MINUTE);

    expect(s.incident().status).toBe('open');
    expect(s.moves().at(-1)).toEqual(
      expect.objectContaining({
        status: 'open',
        from: 'fixed',
        event: 'recurred',
        jobId: newJob?.id,
      }),
    );
    const body = s.note();
    expect(body).not.toContain('**Fixed.**');
    expect(body).toContain('**Failed again.**');
    expect(body).toContain('**Accept with one click.**');
    expect(h.botNotes()).toHaveLength(1);
  });

  it('closes when every merge request it failed on is merged', async () => {
    const s = await seeded();
    const mr = h.world.mergeRequest(h.ids.projects.app, h.ids.mergeRequest.iid);
    if (!mr) throw new Error('no merge request');
    await s.later();
    expect(s.incident().status).toBe('open');

    mr.state = 'merged';
    await s.later();

    expect(s.incident().status).toBe('closed');
    expect(s.moves()).toEqual([
      expect.objectContaining({
        status: 'closed',
        event: 'merge-requests-ended',
        mergeRequests: [
          { projectId: h.ids.projects.app, iid: h.ids.mergeRequest.iid, state: 'merged' },
        ],
      }),
    ]);
  });

  it('closes after the set quiet time, and a new failure reopens it', async () => {
    const s = await seeded({ closeAfter: '2d' });
    await s.later(DAY_AND_A_HALF);
    expect(s.incident().status).toBe('open');

    await s.later(DAY_AND_A_HALF);
    expect(s.incident().status).toBe('closed');

    // Days later on the bot's clock: the failure reaches the queue as a webhook puts it there.
    const again = h.runSeed();
    const job = h.world.jobsOf(again.id)[0];
    if (!job) throw new Error('no job');
    s.bot.store.jobQueue.enqueueJobs([
      { jobId: job.id, projectId: h.ids.projects.app, pipelineId: again.id },
    ]);
    await s.later(MINUTE);

    expect(s.incident().status).toBe('open');
    expect(s.moves().map((m) => `${m.event}:${m.status}`)).toEqual([
      'quiet:closed',
      'reopened:open',
    ]);
    expect(s.moves()[1]).toMatchObject({ jobId: h.world.jobsOf(again.id)[0]?.id });
  });

  it('is an error when the bot loses access to the project, and is not reviewed as fixable', async () => {
    const s = await seeded();
    const app = h.world.project(h.ids.projects.app);
    app?.members.delete(h.ids.users.bot);

    await s.later();

    expect(s.incident().status).toBe('error');
    expect(s.moves()).toEqual([
      expect.objectContaining({
        status: 'error',
        event: 'lost-access',
        projectId: h.ids.projects.app,
      }),
    ]);
    const before = h.sim.requests.length;
    await s.later();
    // An error incident is only closed once quiet: nothing more is asked about it.
    expect(
      h.sim.requests
        .slice(before)
        .filter((r) => r.path === `/api/v4/projects/${h.ids.projects.app}`),
    ).toEqual([]);
  });
});

const DAY_AND_A_HALF = 36 * 60 * MINUTE;
