import { afterEach, describe, expect, it } from 'vitest';
import { runSeedPipeline, type RecordedRequest } from '../../src/simulator/index.js';
import { expectFaultedCalls, FAULTED_CALLS } from '../helpers/fault-coverage.js';
import {
  closeFaultRun,
  FAULTS,
  faultStoryWorld,
  isMadeWrite,
  madeWith,
  runFaulted,
} from '../helpers/fault-run.js';

/**
 * A merge request where bob's fix is reverted on his request (`@bot revert`), under the faults of
 * the other stories (the first request of every kind fails once): the project entry a 👍 adds,
 * or the group entry `apply group` adds, or on GitLab 15.10 (no REST API for the allowlist) the
 * project entry through GraphQL, with failures found by the per-project listing (there only the
 * requests of these, which the other stories do not make, meet the faults). GitLab's state must then hold one bot note, the entry
 * added once and removed once and no other written, the job retried once: nothing lost or twice.
 */
afterEach(closeFaultRun);

describe('a fault at the first request of every kind: a fix reverted on request', () => {
  it.each(
    Object.keys(FAULTS).flatMap((name) => [
      [name, 'project'],
      [name, 'group'],
      [name, 'GitLab 15.10 project'],
    ]),
  )(
    'a fix reverted on request, %s, a %s entry: the entry added once and removed once',
    async (name, kind) => {
      const graphql = kind === 'GitLab 15.10 project';
      const { world, ids } = faultStoryWorld(graphql ? { version: '15.10.2' } : {});
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
        ...(graphql
          ? { config: { discovery: 'per-project' }, onlyCalls: FAULTED_CALLS.revertGraphql }
          : {}),
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
      const mutation = (field: string) => (r: RecordedRequest) =>
        r.path === '/api/graphql' &&
        JSON.stringify(r.body ?? {}).includes(field) &&
        madeWith(200)(r);
      const found = {
        notes: notes().length,
        adds: run.gitlab.requests.filter(
          graphql ? mutation('ciJobTokenScopeAddProject') : isMadeWrite('POST', entry, 201),
        ).length,
        removals: run.gitlab.requests.filter(
          graphql ? mutation('ciJobTokenScopeRemoveProject') : isMadeWrite('DELETE', entry, 204),
        ).length,
        // Only the entry asked for: the project's for a 👍, its group's for `apply group`.
        otherEntryWrites: run.gitlab.requests.filter(
          (r) =>
            r.method !== 'GET' &&
            /\/job_token_scope\//.test(r.path) &&
            !entry.test(r.path) &&
            r.status !== 0,
        ).length,
        retries: run.gitlab.requests.filter(
          isMadeWrite('POST', new RegExp(`/jobs/${failed}/retry$`), 201),
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
      if (!graphql) {
        expect([...run.faulted]).toEqual(
          expect.arrayContaining([
            `POST /projects/:id/job_token_scope/${list}`,
            `DELETE /projects/:id/job_token_scope/${list}/:id`,
          ]),
        );
      }
      expectFaultedCalls(
        run.calls,
        graphql ? 'revertGraphql' : kind === 'group' ? 'revertGroup' : 'revertProject',
        name,
      );
      expect(run.gitlab.errors).toEqual([]);
      expect(run.gitlab.unhandled).toEqual([]);
    },
    60_000,
  );
});
