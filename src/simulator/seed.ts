/**
 * The seed story (docs/seed-story.md) as a world: an image project created after 15.9 whose
 * inbound job token allowlist is on and empty, and a new project whose MR pipeline pulls that
 * image and fails with "pull access denied".
 */
import type { Pipeline } from './types.js';
import type { WorldInit } from './world.js';
import { World } from './world.js';

/** Ids and tokens of the seed story world. */
export interface SeedIds {
  groups: { containers: number; team: number };
  projects: {
    /** `containers/poetry`: private, created after 15.9, inbound scope on, empty allowlist. */
    poetry: number;
    /** `team/app`: the new project whose pipeline fails. */
    app: number;
    /** `containers/base-images`: internal, created before 15.9 (scope off) — its images pull fine. */
    baseImages: number;
  };
  users: { alice: number; bob: number; carol: number; bot: number; root: number };
  /** Personal access tokens (`glpat-…`) of the users above. */
  tokens: { alice: string; bob: string; carol: string; bot: string; root: string };
  /** `team/app!1` from `add-ci`, authored by alice. */
  mergeRequest: { projectId: number; iid: number; sha: string; sourceBranch: string };
  /** The image the failing job uses. */
  image: string;
  /** Registry repository id of `containers/poetry/python3.11/rockylinux9`. */
  registryRepositoryId: number;
}

/** Head SHA of the MR (the log shows its first 8 characters: 9f2c1e7a). */
export const SEED_SHA = '9f2c1e7a4b6d8e0f1a2b3c4d5e6f708192a3b4c5';

/**
 * Builds the seed story world.
 *
 * Users and roles:
 * - `alice`: Developer on team/app, Reporter on containers/poetry (she can pull by hand, yet
 *   her pipeline's job token is refused by poetry's allowlist);
 * - `bob`: Maintainer of containers/poetry (the one who can fix the allowlist);
 * - `carol`: Maintainer of team/app only;
 * - `diagnoser-bot`: a bot user, Reporter on team/app and on containers/poetry so it can read
 *   jobs, logs, members and the registry, but NOT Maintainer: it cannot edit the allowlist
 *   itself unless a test grants it;
 * - `root`: instance admin.
 */
export function seedStoryWorld(init: WorldInit = {}): { world: World; ids: SeedIds } {
  const world = new World({
    version: '17.5.0',
    registryHost: 'gitlab-registry.example.org',
    ...init,
  });
  const root = world.addUser({ username: 'root', name: 'Administrator', admin: true });
  const alice = world.addUser({ username: 'alice', name: 'Alice Liddell' });
  const bob = world.addUser({ username: 'bob', name: 'Bob Builder' });
  const carol = world.addUser({ username: 'carol', name: 'Carol Danvers' });
  const bot = world.addUser({ username: 'diagnoser-bot', name: 'Pipeline Diagnoser', bot: true });

  const containers = world.addGroup({ path: 'containers', name: 'containers' });
  const team = world.addGroup({ path: 'team', name: 'team' });

  const baseImages = world.addProject({
    path: 'base-images',
    namespaceId: containers.id,
    visibility: 'internal',
    inboundJobTokenScope: false,
    createdAt: '2022-06-01T08:00:00.000Z',
  });
  world.addRegistryImage(baseImages.id, 'alpine', ['3.19', '3.20']);

  const poetry = world.addProject({
    path: 'poetry',
    namespaceId: containers.id,
    description: 'Python Poetry build images',
    visibility: 'private',
    inboundJobTokenScope: true,
    createdAt: '2025-03-10T10:00:00.000Z',
  });
  const repository = world.addRegistryImage(poetry.id, 'python3.11/rockylinux9', [
    '1',
    '1.5',
    '1.5.1',
  ]);

  const app = world.addProject({
    path: 'app',
    namespaceId: team.id,
    visibility: 'private',
    createdAt: '2025-05-01T09:00:00.000Z',
  });

  world.addMember(app, alice.id, 30);
  world.addMember(poetry, alice.id, 20);
  world.addMember(poetry, bob.id, 40);
  world.addMember(app, carol.id, 40);
  world.addMember(app, bot.id, 20);
  world.addMember(poetry, bot.id, 20);

  world.addDockerHubImage('library/alpine', ['latest', '3.20']);
  world.addDockerHubImage('library/python', ['3.11', '3.12']);

  const mr = world.addMergeRequest({
    projectId: app.id,
    iid: 1,
    sourceBranch: 'add-ci',
    targetBranch: 'main',
    title: 'Add CI pipeline',
    authorId: alice.id,
    sha: SEED_SHA,
  });

  const image = `${world.registryHost}/containers/poetry/python3.11/rockylinux9:1.5`;
  return {
    world,
    ids: {
      groups: { containers: containers.id, team: team.id },
      projects: { poetry: poetry.id, app: app.id, baseImages: baseImages.id },
      users: { alice: alice.id, bob: bob.id, carol: carol.id, bot: bot.id, root: root.id },
      tokens: {
        alice: world.issueToken(alice.id),
        bob: world.issueToken(bob.id),
        carol: world.issueToken(carol.id),
        bot: world.issueToken(bot.id),
        root: world.issueToken(root.id),
      },
      mergeRequest: { projectId: app.id, iid: mr.iid, sha: mr.sha, sourceBranch: mr.sourceBranch },
      image,
      registryRepositoryId: repository.id,
    },
  };
}

/**
 * Runs the MR pipeline of the story: job `build-app` in stage `build`, started by alice, with
 * the poetry image. In the seed world it fails with the pull-denied log; after
 * `world.allowlistProject(ids.projects.poetry, ids.projects.app)` a retry succeeds.
 */
export function runSeedPipeline(world: World, ids: SeedIds): Pipeline {
  return world.runPipeline({
    projectId: ids.projects.app,
    ref: `refs/merge-requests/${ids.mergeRequest.iid}/head`,
    sha: ids.mergeRequest.sha,
    userId: ids.users.alice,
    source: 'merge_request_event',
    jobs: [
      {
        name: 'build-app',
        stage: 'build',
        image: ids.image,
        script: ['poetry build', 'poetry install'],
        scriptOutput: [
          'Building app (0.1.0)',
          '  - Building sdist',
          '  - Built app-0.1.0.tar.gz',
          '  - Building wheel',
          '  - Built app-0.1.0-py3-none-any.whl',
          'Installing dependencies from lock file',
          'No dependencies to install or update',
          'Installing the current project: app (0.1.0)',
        ],
      },
    ],
  });
}
