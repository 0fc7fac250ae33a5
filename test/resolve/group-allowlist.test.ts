import { afterEach, describe, expect, it } from 'vitest';
import { addToAllowlist } from '../../src/fix/allowlist.js';
import { createGitlabAdapter } from '../../src/gitlab/client.js';
import { loadLibrary } from '../../src/patterns/load.js';
import { diagnoseJob } from '../../src/pipeline/diagnose/diagnose-job.js';
import { seedStoryWorld, startSimulator, type Simulator } from '../../src/simulator/index.js';

const library = loadLibrary();
let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/**
 * Project `eng/web/site` in a group whose display name ("Engineering") is not its path,
 * below a subgroup named "Web Apps"; its job pulls from containers/poetry, whose allowlist
 * is on. The bot is Maintainer of poetry, so it may read the allowlist.
 */
async function setup() {
  const { world, ids } = seedStoryWorld();
  const eng = world.addGroup({ path: 'eng', name: 'Engineering' });
  const web = world.addGroup({ path: 'web', name: 'Web Apps', parentId: eng.id });
  const api = world.addGroup({ path: 'api', name: 'web', parentId: eng.id });
  // Its display name is A's group path; it is another group all the same.
  const impostor = world.addGroup({ path: 'other', name: 'eng' });
  const site = world.addProject({ path: 'site', namespaceId: web.id, visibility: 'private' });
  world.addMember(site, ids.users.alice, 30);
  world.addMember(site, ids.users.bot, 20);
  world.addMember(ids.projects.poetry, ids.users.bot, 40);
  const pipeline = world.runPipeline({
    projectId: site.id,
    ref: 'main',
    userId: ids.users.alice,
    jobs: [{ name: 'build', image: ids.image, script: ['make'] }],
  });
  const job = world.jobsOf(pipeline.id)[0];
  if (job?.status !== 'failed') throw new Error('the pull should have been refused');
  sim = await startSimulator({ world });
  const gitlab = createGitlabAdapter({
    url: sim.url,
    token: ids.tokens.bot,
    retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
  });
  const diagnose = async () =>
    diagnoseJob(
      { gitlab, library, now: () => new Date(), maxLogBytes: 1_000_000, secrets: [] },
      await gitlab.getJob(site.id, job.id),
      '17.5.0',
    );
  return { world, ids, gitlab, groups: { eng, web, api, impostor }, site, diagnose };
}

const jobTokenCheck = (d: Awaited<ReturnType<Awaited<ReturnType<typeof setup>>['diagnose']>>) =>
  d?.checks.find((c) => c.check === 'job-token')?.result;

describe('group entries of an allowlist are matched by group id', () => {
  it('finds A missing while no group above it is on the list', async () => {
    const s = await setup();
    const d = await s.diagnose();
    expect(d?.verdict).toBe('allowlist-missing');
    expect(jobTokenCheck(d)).toBe('fail');
  });

  it.each([
    ['the top group, named unlike its path', 'eng'],
    ['the subgroup A sits in', 'web'],
  ] as const)('counts %s as letting A in', async (_, which) => {
    const s = await setup();
    s.world.allowlistGroup(s.ids.projects.poetry, s.groups[which].id);

    const d = await s.diagnose();

    expect(jobTokenCheck(d)).toBe('pass');
    expect(d?.verdict).not.toBe('allowlist-missing');
    // GitLab agrees: A's token may pull now.
    expect(s.world.evaluatePull(s.site.id, s.ids.users.alice, s.ids.image).ok).toBe(true);
  });

  it.each([
    ['a group whose display name is A’s group path', 'impostor'],
    ['a sibling subgroup whose display name is A’s subgroup path', 'api'],
  ] as const)('does not count %s', async (_, which) => {
    const s = await setup();
    s.world.allowlistGroup(s.ids.projects.poetry, s.groups[which].id);

    const d = await s.diagnose();

    expect(jobTokenCheck(d)).toBe('fail');
    expect(d?.verdict).toBe('allowlist-missing');
    expect(s.world.evaluatePull(s.site.id, s.ids.users.alice, s.ids.image).ok).toBe(false);
  });

  it.each([
    ['a group entry above A as already there, and writes nothing', 'eng', 'already-present'],
    ['a group entry named like A’s group as no entry, and adds A', 'impostor', 'applied'],
  ] as const)('the one-click fix sees %s', async (_, which, status) => {
    const s = await setup();
    s.world.allowlistGroup(s.ids.projects.poetry, s.groups[which].id);
    const fix = {
      kind: 'allowlist-add' as const,
      target: { id: s.ids.projects.poetry, path: 'containers/poetry', webUrl: '' },
      source: { id: s.site.id, path: 'eng/web/site', webUrl: '' },
    };

    expect((await addToAllowlist(s.gitlab, fix, 'project')).status).toBe(status);
    const projects = s.world.project(s.ids.projects.poetry)?.jobTokenAllowlist.projectIds;
    expect(projects?.includes(s.site.id)).toBe(status === 'applied');
  });
});
