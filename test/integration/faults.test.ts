import { afterEach, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/main.js';
import {
  addPlatformProjects,
  seedStoryWorld,
  type RecordedRequest,
  type SeedIds,
  type World,
} from '../../src/simulator/index.js';
import { gitlabStateProblems } from '../helpers/crash-checks.js';
import { crashWorld } from '../helpers/crash-world.js';
import { expectFaultedCalls } from '../helpers/fault-coverage.js';
import { closeFaultRun, FAULTS, runFaulted } from '../helpers/fault-run.js';

/**
 * Every kind of request the bot makes to GitLab fails once, the first time it is made, with one
 * kind of fault per run: the crash world's five merge requests are diagnosed, three offers are
 * approved, written and their jobs retried by a real bot (gitbeaker over HTTP, SQLite) while
 * every request kind meets the fault once. GitLab's state must then hold one note per merge
 * request, each approved fix written once, each of its jobs retried once, every failed job
 * diagnosed: nothing lost, nothing twice.
 */
/** The kinds of request the story makes (port methods): each must meet the fault once. */
const STORY_REQUESTS = [
  'GET /user',
  'GET /metadata',
  'GET /projects/:path',
  'GET /projects/:id',
  'GET /projects/:id/jobs/:id',
  'GET /projects/:id/jobs/:id/trace',
  'GET /projects/:id/members/all/:id',
  'GET /projects/:id/job_token_scope',
  'GET /projects/:id/job_token_scope/allowlist',
  'GET /projects/:id/job_token_scope/groups_allowlist',
  'GET /projects/:id/registry/repositories',
  'GET /projects/:id/registry/repositories/:id/tags',
  'GET /projects/:id/merge_requests/:id',
  'GET /projects/:id/merge_requests/:id/notes',
  'GET /projects/:id/merge_requests/:id/notes/:id/award_emoji',
  'GET /projects/:id/pipelines',
  'GET /projects/:id/pipelines/:id/jobs',
  'POST /projects/:id/merge_requests/:id/notes',
  'PUT /projects/:id/merge_requests/:id/notes/:id',
  'POST /projects/:id/job_token_scope/allowlist',
  'POST /projects/:id/jobs/:id/retry',
  'graphql projects',
  'graphql queryComplexity',
];
afterEach(closeFaultRun);

/** A merge request whose offer bob approves once he sees it (or leaves alone). */
interface Story {
  world: World;
  ids: SeedIds;
  projects: string[];
  mergeRequests: { projectId: number; iid: number; approve: boolean }[];
  /** Whether the story has reached its end (checked after each cycle). */
  finished(bot: Bot): boolean;
}

/**
 * Runs the story's bot under `name`'s fault; bob gives a 👍 to each offer he should accept once
 * he sees it.
 */
function runApproving(name: string, story: Story) {
  const approved = new Set<number>();
  return runFaulted(name, {
    ...story,
    afterCycle: () => {
      for (const mr of story.mergeRequests) {
        const note = story.world
          .notesOn(mr.projectId, mr.iid)
          .find((n) => n.authorId === story.ids.users.bot);
        if (!mr.approve || approved.has(mr.projectId)) continue;
        if (!note?.body.includes('Accept with one click')) continue;
        story.world.awardEmoji(mr.projectId, mr.iid, note.id, story.ids.users.bob, 'thumbsup');
        approved.add(mr.projectId);
      }
    },
  });
}

describe('a fault at the first request of every kind the bot makes', () => {
  it.each(Object.keys(FAULTS))(
    'the crash world, %s: nothing lost, nothing twice',
    async (name) => {
      const { world, ids, cases } = crashWorld();
      const botNotes = (c: (typeof cases)[number]) =>
        world.notesOn(c.projectId, c.iid).filter((n) => n.authorId === ids.users.bot);
      const run = await runApproving(name, {
        world,
        ids,
        projects: cases.map((c) => c.path),
        mergeRequests: cases,
        finished: (running) =>
          running.store.writeIntents.listPending().length === 0 &&
          cases.every((c) => {
            const body = botNotes(c)[0]?.body ?? '';
            if (!c.approve) return body !== '';
            const retried = body.split('(success)').length - 1;
            return body.includes('**Fixed.**') && retried === c.jobIds.length;
          }),
      });

      const problems = gitlabStateProblems({
        sim: run.gitlab,
        world,
        ids,
        cases,
        store: run.bot.store,
      });
      process.stdout.write(
        `faults (${name}): ${run.faulted.size} request kinds failed once, ${run.cycles} cycles, ${run.ms} ms; duplicates ${problems.duplicates.length}, losses ${problems.losses.length}\n`,
      );
      expect(problems).toEqual({ duplicates: [], losses: [] });
      // Every kind of request of the story met the fault: reads, note writes, the allowlist write
      // and the retries (a job log is text, so no broken JSON there).
      const story = STORY_REQUESTS.filter(
        (k) => name !== 'malformed JSON' || !k.endsWith('/trace'),
      );
      expect([...run.faulted]).toEqual(expect.arrayContaining(story));
      expectFaultedCalls(run.calls, 'crashWorld', name);
      expect(run.gitlab.errors).toEqual([]);
      expect(run.gitlab.unhandled).toEqual([]);
    },
    60_000,
  );

  it.each(Object.keys(FAULTS))(
    'the fine-grained permissions story, %s: the permission granted once, the job retried once',
    async (name) => {
      const { world, ids } = seedStoryWorld({ version: '18.3.0' });
      const platform = addPlatformProjects(world, ids, { botRole: 40 });
      world.addMember(ids.projects.app, ids.users.bot, 30);
      world.addMember(ids.projects.app, ids.users.bob, 10);
      world.allowlistProject(platform.config, ids.projects.app);
      const entry = { kind: 'project', id: ids.projects.app } as const;
      world.setJobTokenPolicies(platform.config, entry, {
        defaultPermissions: false,
        policies: ['read_jobs'],
      });
      const pipeline = world.runPipeline({
        projectId: ids.projects.app,
        ref: `refs/merge-requests/${ids.mergeRequest.iid}/head`,
        userId: ids.users.alice,
        jobs: [
          {
            name: 'deploy',
            stage: 'deploy',
            image: 'alpine:3.20',
            script: ['make'],
            tokenSteps: [{ kind: 'curl', project: 'platform/config', endpoint: 'releases' }],
          },
        ],
      });
      const [failed] = world.jobsOf(pipeline.id).map((j) => j.id);
      const notes = () =>
        world
          .notesOn(ids.projects.app, ids.mergeRequest.iid)
          .filter((n) => n.authorId === ids.users.bot);
      const run = await runApproving(name, {
        world,
        ids,
        projects: ['team/app'],
        mergeRequests: [{ projectId: ids.projects.app, iid: ids.mergeRequest.iid, approve: true }],
        finished: (running) =>
          running.store.writeIntents.listPending().length === 0 &&
          (notes()[0]?.body ?? '').includes('(success)'),
      });

      const granted = (r: RecordedRequest) =>
        r.path === '/api/graphql' &&
        /ciJobTokenScopeUpdatePolicies/.test(JSON.stringify(r.body ?? {})) &&
        (r.status === 200 || r.appliedStatus === 200);
      const retried = (r: RecordedRequest) =>
        r.path === `/api/v4/projects/${ids.projects.app}/jobs/${failed}/retry` &&
        (r.status === 201 || r.appliedStatus === 201);
      const found = {
        notes: notes().length,
        grants: run.gitlab.requests.filter(granted).length,
        retries: run.gitlab.requests.filter(retried).length,
        fixedByBot: (notes()[0]?.body ?? '').includes('**Fixed.** `bob` accepted the change'),
        diagnosed: run.bot.store.jobQueue.getJob(failed ?? 0)?.status,
      };
      process.stdout.write(
        `faults, permissions (${name}): ${run.faulted.size} request kinds failed once, ${run.cycles} cycles, ${run.ms} ms; ${JSON.stringify(found)}\n`,
      );
      expect(found).toEqual({
        notes: 1,
        grants: 1,
        retries: 1,
        fixedByBot: true,
        diagnosed: 'done',
      });
      expect(
        world.project(platform.config)?.jobTokenPolicies?.get(`project:${ids.projects.app}`),
      ).toEqual({
        defaultPermissions: false,
        policies: ['read_jobs', 'read_releases'],
      });
      expect([...run.faulted]).toEqual(
        expect.arrayContaining(['graphql ciJobTokenScopeUpdatePolicies', 'graphql project']),
      );
      expectFaultedCalls(run.calls, 'permissions', name);
      expect(run.gitlab.errors).toEqual([]);
      expect(run.gitlab.unhandled).toEqual([]);
    },
    60_000,
  );
});
