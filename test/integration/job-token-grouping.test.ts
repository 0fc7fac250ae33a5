import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/bot-harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

describe('one missing allowlist entry, seen as an image pull and as a submodule clone', () => {
  it('is one incident with the same root-cause key, noted on each merge request, and one entry fixes both', async () => {
    h = await startHarness({ botRole: 40 });
    const { world, ids } = h;
    const second = world.addMergeRequest({
      projectId: ids.projects.app,
      iid: 2,
      sourceBranch: 'vendor-poetry',
      title: 'Vendor the poetry build scripts as a submodule',
      authorId: ids.users.alice,
      sha: '7c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d',
    });
    const imagePipeline = h.runSeed();
    const clonePipeline = world.runPipeline({
      projectId: ids.projects.app,
      ref: `refs/merge-requests/${second.iid}/head`,
      userId: ids.users.alice,
      jobs: [
        {
          name: 'build',
          image: 'alpine:3.20',
          submodules: [{ path: 'vendor/poetry', project: 'containers/poetry' }],
          script: ['make'],
        },
      ],
    });
    const bot = h.startBot();

    const report = await bot.poller.runCycle();

    expect(report.outcomes.map((o) => [o.patternId, o.verdict])).toEqual(
      expect.arrayContaining([
        ['registry-pull-denied', 'allowlist-missing'],
        ['repo-access-denied', 'allowlist-missing'],
      ]),
    );
    const incidents = bot.store.incidents.listIncidents();
    expect(incidents).toHaveLength(1);
    const incident = incidents[0];
    expect(incident?.rootCauseKey).toBe(
      `allowlist-missing:${ids.projects.poetry}<-${ids.projects.app}`,
    );
    const notes = [1, 2].map(
      (iid) =>
        world.notesOn(ids.projects.app, iid).find((n) => n.authorId === ids.users.bot)?.body ?? '',
    );
    for (const body of notes) {
      expect(body).toContain(`<!-- pipeline-diagnoser:incidents=${incident?.id} -->`);
      expect(body).toContain(`Incident ${incident?.id} ·`);
      // Our own text makes no reference: `#1` would link the project's issue 1.
      expect(body).not.toMatch(/#\d/);
    }

    world.allowlistProject(ids.projects.poetry, ids.projects.app);
    for (const pipeline of [imagePipeline, clonePipeline]) {
      const failed = world.jobsOf(pipeline.id)[0];
      expect(world.retryJob(ids.projects.app, failed?.id ?? 0, ids.users.alice).status).toBe(
        'success',
      );
    }
  });
});
