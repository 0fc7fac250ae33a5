/**
 * More of the seed story: a `platform` group whose projects `team/app` reaches with its job
 * token in other ways than an image pull. Every project is private, created after 15.9 (inbound
 * allowlist on and empty), and alice (who runs team/app's pipelines) is a Reporter of the group,
 * so what blocks her jobs is the allowlist, until a test changes that.
 */
import type { SeedIds } from './seed.js';
import type { Job } from './types.js';
import type { World } from './world.js';

export interface JobTokenIds {
  group: number;
  /** `platform/shared`: a repository used as a submodule and cloned by scripts. */
  shared: number;
  /** `platform/ui-kit`: publishes the npm package `@platform/ui-kit` 2.1.0. */
  uiKit: number;
  /** `platform/libs`: its `build-lib` job on `main` uploaded `dist/` (for needs:project). */
  libs: number;
  /** `platform/config`: read through the REST API by curl. */
  config: number;
  /** The successful `build-lib` job whose artifacts team/app needs. */
  libsJob: Job;
}

export const NPM_PACKAGE = '@platform/ui-kit';

/**
 * Adds the platform group to a seed story world. `botRole` gives the bot that role in the
 * group (Maintainer lets it read and edit the allowlists).
 */
export function addPlatformProjects(
  world: World,
  ids: SeedIds,
  options: { botRole?: number } = {},
): JobTokenIds {
  const group = world.addGroup({ path: 'platform', name: 'platform' });
  const project = (path: string, description: string) =>
    world.addProject({
      path,
      namespaceId: group.id,
      description,
      visibility: 'private',
      createdAt: '2025-04-01T08:00:00.000Z',
    });
  const shared = project('shared', 'Shared build scripts (a submodule of many projects)');
  const uiKit = project('ui-kit', 'UI components, published as @platform/ui-kit');
  const libs = project('libs', 'Native libraries built once, used through needs:project');
  const config = project('config', 'Deployment settings read through the API');
  world.addMember(group, ids.users.alice, 20);
  world.addMember(group, ids.users.bob, 40);
  world.addMember(group, ids.users.bot, options.botRole ?? 20);
  world.addNpmPackage(uiKit.id, NPM_PACKAGE, '2.1.0');
  const pipeline = world.runPipeline({
    projectId: libs.id,
    ref: 'main',
    userId: ids.users.bob,
    jobs: [
      {
        name: 'build-lib',
        stage: 'build',
        image: 'alpine:3.20',
        script: ['make dist'],
        scriptOutput: [
          'cc -O2 -c src/lib.c -o build/lib.o',
          'ar rcs dist/libplatform.a build/lib.o',
        ],
        artifacts: ['dist/'],
      },
    ],
  });
  const libsJob = world.jobsOf(pipeline.id)[0] as Job;
  return {
    group: group.id,
    shared: shared.id,
    uiKit: uiKit.id,
    libs: libs.id,
    config: config.id,
    libsJob,
  };
}
