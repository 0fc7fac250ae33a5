import { afterEach, describe, expect, it } from 'vitest';
import {
  runSeedPipeline,
  seedStoryWorld,
  type RecordedRequest,
} from '../../src/simulator/index.js';
import { closeFaultRun, FAULTS, madeWith, runFaulted } from '../helpers/fault-run.js';

/**
 * The port methods the merge request stories do not use, under the same faults (the first
 * request of every kind fails once): a commit discussion where a refused Maintainer and bob
 * reply (`apply group`), and a merge request where bob's fix (the project, or with `apply group`
 * its group) is reverted. GitLab's state must
 * then hold one bot comment, each write made once, the job retried once: nothing lost or twice.
 */
afterEach(closeFaultRun);

/** The seed world with the bot a Maintainer of the image project and a Developer of the app. */
function seededWorld() {
  const { world, ids } = seedStoryWorld();
  world.addMember(ids.projects.poetry, ids.users.bot, 40);
  world.addMember(ids.projects.app, ids.users.bot, 30);
  // GitLab lets bob add team/app (or its group) to an allowlist only if he can see it.
  world.addMember(ids.projects.app, ids.users.bob, 10);
  return { world, ids };
}

const isWrite = (method: string, path: RegExp, status: number) => (r: RecordedRequest) =>
  r.method === method && path.test(r.path) && madeWith(status)(r);

describe('a fault at the first request of every kind: commit discussions, groups, reverts', () => {
  it.each(Object.keys(FAULTS))(
    'a branch without a merge request, %s: one comment on the commit, one refusal, the group added once',
    async (name) => {
      const { world, ids } = seededWorld();
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
          isWrite('POST', /\/job_token_scope\/groups_allowlist$/, 201),
        ).length,
        projectWrites: run.gitlab.requests.filter(
          isWrite('POST', /\/job_token_scope\/allowlist$/, 201),
        ).length,
        retries: run.gitlab.requests.filter(
          isWrite('POST', new RegExp(`/jobs/${failed}/retry$`), 201),
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
      expect(run.gitlab.errors).toEqual([]);
      expect(run.gitlab.unhandled).toEqual([]);
    },
    60_000,
  );

  it.each(
    Object.keys(FAULTS).flatMap((name) => [
      [name, 'project'],
      [name, 'group'],
    ]),
  )(
    'a fix reverted on request, %s, a %s entry: the entry added once and removed once',
    async (name, kind) => {
      const { world, ids } = seededWorld();
      const pipeline = runSeedPipeline(world, ids);
      const [failed] = world.jobsOf(pipeline.id).map((j) => j.id);
      const iid = ids.mergeRequest.iid;
      const notes = () =>
        world.notesOn(ids.projects.app, iid).filter((n) => n.authorId === ids.users.bot);
      const done = { approved: false, revertAsked: false };
      const run = await runFaulted(name, {
        world,
        ids,
        projects: ['team/app'],
        afterCycle: () => {
          const note = notes()[0];
          if (!note) return;
          if (!done.approved && note.body.includes('Accept with one click')) {
            if (kind === 'group') {
              // bob asks for team/app's whole group instead of the project.
              world.addMergeRequestNote(
                ids.projects.app,
                iid,
                ids.users.bob,
                '@diagnoser-bot apply group',
              );
            } else {
              world.awardEmoji(ids.projects.app, iid, note.id, ids.users.bob, 'thumbsup');
            }
            done.approved = true;
          } else if (!done.revertAsked && note.body.includes('**Fixed.**')) {
            world.addMergeRequestNote(
              ids.projects.app,
              iid,
              ids.users.bob,
              '@diagnoser-bot revert',
            );
            done.revertAsked = true;
          }
        },
        finished: (bot) =>
          bot.store.writeIntents.listPending().length === 0 &&
          (notes()[0]?.body ?? '').includes('**Reverted.**'),
      });

      const list = kind === 'group' ? 'groups_allowlist' : 'allowlist';
      const entry = new RegExp(`/projects/${ids.projects.poetry}/job_token_scope/${list}`);
      const found = {
        notes: notes().length,
        adds: run.gitlab.requests.filter(isWrite('POST', entry, 201)).length,
        removals: run.gitlab.requests.filter(isWrite('DELETE', entry, 204)).length,
        // Only the entry asked for: the project's for a 👍, its group's for `apply group`.
        otherEntryWrites: run.gitlab.requests.filter(
          (r) =>
            r.method !== 'GET' &&
            /\/job_token_scope\//.test(r.path) &&
            !entry.test(r.path) &&
            r.status !== 0,
        ).length,
        retries: run.gitlab.requests.filter(
          isWrite('POST', new RegExp(`/jobs/${failed}/retry$`), 201),
        ).length,
        reverted: (notes()[0]?.body ?? '').includes('**Reverted.**'),
        incident: run.bot.store.incidents.listIncidents()[0]?.status,
        diagnosed: run.bot.store.jobQueue.getJob(failed ?? 0)?.status,
      };
      process.stdout.write(
        `faults, revert of a ${kind} entry (${name}): ${run.faulted.size} request kinds failed once, ${run.cycles} cycles, ${run.ms} ms; ${JSON.stringify(found)}\n`,
      );
      expect(found).toEqual({
        notes: 1,
        adds: 1,
        removals: 1,
        otherEntryWrites: 0,
        retries: 1,
        reverted: true,
        incident: 'open',
        diagnosed: 'done',
      });
      expect(world.evaluatePull(ids.projects.app, ids.users.alice, ids.image).ok).toBe(false);
      const allowlist = world.project(ids.projects.poetry)?.jobTokenAllowlist;
      expect([allowlist?.projectIds.length, allowlist?.groupIds.length]).toEqual([0, 0]);
      expect([...run.faulted]).toEqual(
        expect.arrayContaining([
          `POST /projects/:id/job_token_scope/${list}`,
          `DELETE /projects/:id/job_token_scope/${list}/:id`,
        ]),
      );
      expect(run.gitlab.errors).toEqual([]);
      expect(run.gitlab.unhandled).toEqual([]);
    },
    60_000,
  );
});
