import { afterEach, describe, expect, it } from 'vitest';
import { addPlatformProjects, seedStoryWorld } from '../../src/simulator/index.js';
import { expectFaultedCalls, FAULTED_CALLS } from '../helpers/fault-coverage.js';
import { closeFaultRun, FAULTS, runFaulted } from '../helpers/fault-run.js';

/**
 * What `run` reads for failures the merge request stories do not have, under the same faults (the
 * first request of every kind these reads make fails once; the other stories fault the rest): an
 * admin's bot finding failures with the instance's
 * one list of failed jobs, a job whose npm install is refused (the package registry is searched)
 * and one cloning a project that does not exist (the projects with a name like it are searched).
 * GitLab's state must then hold one bot note on the merge request, showing both failures once,
 * and both jobs diagnosed: nothing lost, nothing twice.
 */
afterEach(closeFaultRun);

describe('a fault at the first request of every kind: instance discovery, package and project look-ups', () => {
  it.each(Object.keys(FAULTS))(
    'two failures on a merge request, found by an admin, %s: one note, both diagnosed once',
    async (name) => {
      const { world, ids } = seedStoryWorld();
      addPlatformProjects(world, ids, { botRole: 40 });
      const botUser = world.user(ids.users.bot);
      if (botUser) botUser.admin = true;
      const pipeline = world.runPipeline({
        projectId: ids.projects.app,
        ref: `refs/merge-requests/${ids.mergeRequest.iid}/head`,
        userId: ids.users.alice,
        jobs: [
          {
            name: 'test',
            image: 'alpine:3.20',
            script: ['npm ci'],
            tokenSteps: [
              {
                kind: 'npm-install',
                package: '@platform/ui-kit',
                version: '2.1.0',
                registryProject: 'platform/ui-kit',
              },
            ],
          },
          {
            name: 'clone',
            image: 'alpine:3.20',
            script: ['make'],
            tokenSteps: [{ kind: 'git-clone', project: 'platform/missing' }],
          },
        ],
      });
      const jobs = world.jobsOf(pipeline.id).map((j) => j.id);
      const notes = () =>
        world
          .notesOn(ids.projects.app, ids.mergeRequest.iid)
          .filter((n) => n.authorId === ids.users.bot);
      const run = await runFaulted(name, {
        world,
        ids,
        projects: ['team/app'],
        config: { discovery: 'instance' },
        onlyCalls: FAULTED_CALLS.lookups,
        afterCycle: () => undefined,
        finished: (bot) =>
          notes().length > 0 &&
          jobs.every((id) => bot.store.jobQueue.getJob(id)?.status === 'done') &&
          bot.store.incidents.listIncidents().length === 2,
      });

      const body = notes()[0]?.body ?? '';
      const found = {
        notes: notes().length,
        diagnosed: jobs.map((id) => run.bot.store.jobQueue.getJob(id)?.status),
        incidents: run.bot.store.incidents.listIncidents().length,
        packageShown: body.split('`@platform/ui-kit`').length > 1,
        missingShown: body.split('platform/missing').length > 1,
      };
      process.stdout.write(
        `faults, look-ups (${name}): ${run.faulted.size} request kinds failed once, ${run.cycles} cycles, ${run.ms} ms; ${JSON.stringify(found)}\n`,
      );
      expect(found).toEqual({
        notes: 1,
        diagnosed: ['done', 'done'],
        incidents: 2,
        packageShown: true,
        missingShown: true,
      });
      expectFaultedCalls(run.calls, 'lookups', name);
      expect(run.gitlab.errors).toEqual([]);
      expect(run.gitlab.unhandled).toEqual([]);
    },
    60_000,
  );
});
