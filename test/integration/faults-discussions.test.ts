import { afterEach, describe, expect, it } from 'vitest';
import { expectFaultedCalls } from '../helpers/fault-coverage.js';
import {
  closeFaultRun,
  FAULTS,
  faultStoryWorld,
  isMadeWrite,
  runFaulted,
} from '../helpers/fault-run.js';

/**
 * The port methods the merge request stories do not use, under the same faults (the first
 * request of every kind fails once): a commit discussion where a refused Maintainer and bob
 * reply (`apply group`). GitLab's state must then hold one bot comment, the group written once,
 * the job retried once: nothing lost or twice. (Reverts: faults-reverts.test.ts.)
 */
afterEach(closeFaultRun);

describe('a fault at the first request of every kind: commit discussions and groups', () => {
  it.each(Object.keys(FAULTS))(
    'a branch without a merge request, %s: one comment on the commit, one refusal, the group added once',
    async (name) => {
      const { world, ids } = faultStoryWorld();
      const pipeline = world.runPipeline({
        projectId: ids.projects.app,
        ref: 'main',
        userId: ids.users.alice,
        jobs: [{ name: 'build-app', image: ids.image, script: ['poetry build'] }],
      });
      const [failed] = world.jobsOf(pipeline.id).map((j) => j.id);
      const discussions = () =>
        world
          .commitDiscussions(ids.projects.app, pipeline.sha)
          .filter((d) => d.notes[0]?.authorId === ids.users.bot);
      const botReplies = () =>
        discussions().flatMap((d) => d.notes.slice(1).filter((n) => n.authorId === ids.users.bot));
      let replied = false;
      const run = await runFaulted(name, {
        world,
        ids,
        projects: ['team/app'],
        afterCycle: () => {
          const discussion = discussions()[0];
          if (replied || !discussion?.notes[0]?.body.includes('apply group')) return;
          // carol maintains team/app but has no role in the image project: refused, once.
          world.replyToDiscussion(discussion.id, ids.users.carol, '@diagnoser-bot apply');
          world.replyToDiscussion(discussion.id, ids.users.bob, '@diagnoser-bot apply group');
          replied = true;
        },
        finished: (bot) =>
          bot.store.writeIntents.listPending().length === 0 &&
          (discussions()[0]?.notes[0]?.body ?? '').includes('(success)') &&
          botReplies().length > 0,
      });

      const found = {
        discussions: discussions().length,
        refusals: botReplies().filter((n) => n.body.includes('Only Maintainers and Owners')).length,
        otherReplies: botReplies().filter((n) => !n.body.includes('Only Maintainers and Owners'))
          .length,
        groupWrites: run.gitlab.requests.filter(
          isMadeWrite('POST', /\/job_token_scope\/groups_allowlist$/, 201),
        ).length,
        projectWrites: run.gitlab.requests.filter(
          isMadeWrite('POST', /\/job_token_scope\/allowlist$/, 201),
        ).length,
        retries: run.gitlab.requests.filter(
          isMadeWrite('POST', new RegExp(`/jobs/${failed}/retry$`), 201),
        ).length,
        fixedByBot: (discussions()[0]?.notes[0]?.body ?? '').includes(
          '**Fixed.** `bob` accepted the change',
        ),
        diagnosed: run.bot.store.jobQueue.getJob(failed ?? 0)?.status,
      };
      process.stdout.write(
        `faults, commit discussion (${name}): ${run.faulted.size} request kinds failed once, ${run.cycles} cycles, ${run.ms} ms; ${JSON.stringify(found)}\n`,
      );
      expect(found).toEqual({
        discussions: 1,
        refusals: 1,
        otherReplies: 0,
        groupWrites: 1,
        projectWrites: 0,
        retries: 1,
        fixedByBot: true,
        diagnosed: 'done',
      });
      expect(world.evaluatePull(ids.projects.app, ids.users.alice, ids.image).ok).toBe(true);
      expect([...run.faulted]).toEqual(
        expect.arrayContaining([
          'GET /projects/:id/repository/commits/:sha/discussions',
          'POST /projects/:id/repository/commits/:sha/discussions',
          'PUT /projects/:id/repository/commits/:sha/discussions/:sha/notes/:id',
          'POST /projects/:id/repository/commits/:sha/discussions/:sha/notes',
          'POST /projects/:id/job_token_scope/groups_allowlist',
        ]),
      );
      expectFaultedCalls(run.calls, 'commitDiscussion', name);
      expect(run.gitlab.errors).toEqual([]);
      expect(run.gitlab.unhandled).toEqual([]);
    },
    60_000,
  );
});
