import {
  runSeedPipeline,
  seedStoryWorld,
  type Pipeline,
  type SeedIds,
  type World,
} from '../../src/simulator/index.js';

/** One merge request of the crash world, its failed pipeline, and whether its fix is approved. */
export interface CrashCase {
  projectId: number;
  path: string;
  iid: number;
  pipeline: Pipeline;
  /** The jobs that failed (before any retry). */
  jobIds: number[];
  /** The image project whose allowlist the one-click fix changes; none for other failures. */
  targetId?: number;
  /** bob (Maintainer of the image project) approves the offer once he sees it. */
  approve: boolean;
}

export interface CrashWorld {
  world: World;
  ids: SeedIds;
  cases: CrashCase[];
}

/**
 * The seed story grown to five merge requests in five projects: four fail on an image project's
 * job token allowlist (three projects, one of them shared), three of them are approved; one
 * fails on a Docker Hub tag that does not exist (no one-click fix). The bot may write the
 * allowlists (Maintainer of the image projects) and retry jobs (Developer of the apps).
 */
export function crashWorld(): CrashWorld {
  const { world, ids } = seedStoryWorld();
  const { bot, bob, alice } = ids.users;
  const containers = ids.groups.containers;
  const imageProject = (path: string, image: string) => {
    const project = world.addProject({ path, namespaceId: containers, visibility: 'private' });
    world.addRegistryImage(project.id, image, ['1.0']);
    world.addMember(project, alice, 20);
    world.addMember(project, bob, 40);
    return project.id;
  };
  const node = imageProject('node', 'node20');
  const go = imageProject('go', 'go1.22');
  for (const target of [ids.projects.poetry, node, go]) world.addMember(target, bot, 40);
  world.addMember(ids.projects.app, bot, 30);
  world.addMember(ids.projects.app, bob, 10);
  const registry = (path: string) => `${world.registryHost}/containers/${path}`;

  const seed = runSeedPipeline(world, ids);
  const cases: CrashCase[] = [
    {
      projectId: ids.projects.app,
      path: 'team/app',
      iid: ids.mergeRequest.iid,
      pipeline: seed,
      jobIds: world.jobsOf(seed.id).map((j) => j.id),
      targetId: ids.projects.poetry,
      approve: true,
    },
  ];
  const app = (
    path: string,
    jobs: { name: string; image: string }[],
    target: number | undefined,
    approve: boolean,
  ) => {
    const project = world.addProject({
      path,
      namespaceId: ids.groups.team,
      visibility: 'private',
    });
    world.addMember(project, alice, 30);
    world.addMember(project, bot, 30);
    // GitLab lets bob add the project to an allowlist only if he can see it.
    world.addMember(project, bob, 10);
    const sha = `${project.id}`.padEnd(40, 'a');
    const mr = world.addMergeRequest({
      projectId: project.id,
      sourceBranch: `${path}-ci`,
      title: `CI for ${path}`,
      authorId: alice,
      sha,
    });
    const pipeline = world.runPipeline({
      projectId: project.id,
      ref: `refs/merge-requests/${mr.iid}/head`,
      sha,
      userId: alice,
      jobs: jobs.map((j) => ({ ...j, stage: 'build', script: ['make'] })),
    });
    cases.push({
      projectId: project.id,
      path: `team/${path}`,
      iid: mr.iid,
      pipeline,
      jobIds: world.jobsOf(pipeline.id).map((j) => j.id),
      ...(target ? { targetId: target } : {}),
      approve,
    });
  };
  app(
    'web',
    [
      { name: 'build-web', image: registry('node/node20:1.0') },
      { name: 'test-web', image: registry('node/node20:1.0') },
    ],
    node,
    true,
  );
  app('api', [{ name: 'build-api', image: registry('go/go1.22:1.0') }], go, false);
  app('cli', [{ name: 'build-cli', image: ids.image }], ids.projects.poetry, true);
  app('docs', [{ name: 'build-docs', image: 'python:3.99' }], undefined, false);
  return { world, ids, cases };
}
