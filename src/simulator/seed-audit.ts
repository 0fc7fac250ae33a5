/**
 * A GitLab 17.10 instance before the 18.0 upgrade, written as CI files: projects whose jobs
 * reach a `tools` group with their job token through images, services, `include:`, `extends:`,
 * submodules, `needs:project` and a script's API call. Some are allowed by project entries, some
 * by a group entry whose name differs from its path (with a subgroup), some are refused now,
 * some only once the allowlist is enforced, and one CI file is broken. `runAuditPipelines`
 * runs every pipeline, which also fills the job token authentication log.
 */
import type { Pipeline } from './types.js';
import { runRepositoryPipeline } from './repository-pipeline.js';
import { World, type WorldInit } from './world.js';

export interface AuditIds {
  users: { root: number; bot: number; dana: number; tina: number; devon: number; eve: number };
  tokens: { root: string; bot: string; dana: string; tina: string; devon: string; eve: string };
  groups: { tools: number; web: number; legacy: number; mobile: number; apps: number };
  /** Projects by full path. */
  projects: Record<string, number>;
  /** Projects whose pipelines the audit looks at, in the order they run. */
  sources: string[];
}

function yaml(lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

/**
 * Builds the world. Users: `dana` runs the pipelines (Developer of the sources, Reporter of
 * `tools`), `tina` maintains `tools` (and is a Guest of the sources, so she may add them), `devon` is a Developer there, `eve` has no role, and the
 * bot is Maintainer of `tools` (to read allowlists and logs) and Reporter elsewhere.
 */
export function auditWorld(init: WorldInit = {}): { world: World; ids: AuditIds } {
  const world = new World({ version: '17.10.0', ...init });
  const image = (path: string) => `${world.registryHost}/${path}`;
  const user = (username: string, admin = false, bot = false) =>
    world.addUser({ username, admin, bot });
  const root = user('root', true);
  const bot = user('diagnoser-bot', false, true);
  const dana = user('dana');
  const tina = user('tina');
  const devon = user('devon');
  const eve = user('eve');

  const tools = world.addGroup({ path: 'tools', name: 'Tools' });
  const web = world.addGroup({ path: 'web', name: 'Web Frontends' });
  const legacy = world.addGroup({ path: 'legacy', name: 'Legacy Sites', parentId: web.id });
  const mobile = world.addGroup({ path: 'mobile', name: 'Mobile Apps' });
  const apps = world.addGroup({ path: 'apps', name: 'Applications' });
  world.addMember(tools, tina.id, 40);
  world.addMember(tools, devon.id, 30);
  world.addMember(tools, dana.id, 20);
  world.addMember(tools, bot.id, 40);
  for (const group of [web, mobile, apps]) {
    world.addMember(group, dana.id, 30);
    world.addMember(group, bot.id, 20);
    // GitLab lets only people who can see a project add it to an allowlist.
    world.addMember(group, tina.id, 10);
  }

  const projects: Record<string, number> = {};
  const project = (namespaceId: number, path: string, inboundJobTokenScope = true) => {
    const created = world.addProject({ path, namespaceId, inboundJobTokenScope });
    projects[created.pathWithNamespace] = created.id;
    return created;
  };
  const images = project(tools.id, 'images');
  world.addRegistryImage(images.id, 'node', ['20']);
  world.addRegistryImage(images.id, 'postgres', ['16']);
  const templates = project(tools.id, 'ci-templates');
  world.setFile(
    templates.id,
    'templates/node.yml',
    yaml(['default:', `  image: ${image('tools/images/node:20')}`]),
  );
  const libs = project(tools.id, 'libs');
  world.addDockerHubImage('library/alpine', ['3.20']);
  world.setFile(
    libs.id,
    '.gitlab-ci.yml',
    yaml([
      'build:',
      '  image: alpine:3.20',
      '  script: [make dist]',
      '  artifacts:',
      '    paths: [dist/]',
    ]),
  );
  // Created before 15.9 or switched to "All groups and projects": open until enforced.
  project(tools.id, 'shared', false);
  project(tools.id, 'config', false);

  const node = `  image: ${image('tools/images/node:20')}`;
  const shop = project(web.id, 'shop');
  world.setFile(
    shop.id,
    '.gitlab-ci.yml',
    yaml([
      'include:',
      '  - project: tools/ci-templates',
      '    file: /templates/node.yml',
      'variables:',
      '  GIT_SUBMODULE_STRATEGY: recursive',
      'test:',
      `  services: ["${image('tools/images/postgres:16')}"]`,
      '  needs:',
      '    - project: tools/libs',
      '      job: build',
      '      ref: main',
      '  script: [npm ci, npm test]',
    ]),
  );
  world.setFile(
    shop.id,
    '.gitmodules',
    '[submodule "shared"]\n\tpath = shared\n\turl = ../../tools/shared.git\n',
  );
  const portal = project(legacy.id, 'portal');
  world.setFile(portal.id, 'ci/base.yml', yaml(['.node:', node]));
  world.setFile(
    portal.id,
    '.gitlab-ci.yml',
    yaml([
      'include: /ci/base.yml',
      'variables:',
      '  GIT_SUBMODULE_STRATEGY: normal',
      'build:',
      '  extends: .node',
      '  script: [make]',
    ]),
  );
  world.setFile(
    portal.id,
    '.gitmodules',
    `[submodule "vendor/shared"]\n\tpath = vendor/shared\n\turl = ${world.externalUrl}/tools/shared.git\n`,
  );
  for (const path of ['ios', 'android', 'web-view']) {
    const app = project(mobile.id, path);
    world.setFile(app.id, '.gitlab-ci.yml', yaml(['build:', node, '  script: [make app]']));
  }
  const api = project(apps.id, 'api');
  world.setFile(
    api.id,
    '.gitlab-ci.yml',
    yaml([
      `image: ${image('tools/images/node:20')}`,
      'test:',
      '  needs: [{ project: tools/libs, job: build, ref: main }]',
      '  script: [npm test]',
    ]),
  );
  const worker = project(apps.id, 'worker');
  world.setFile(
    worker.id,
    '.gitlab-ci.yml',
    yaml([
      'deploy:',
      node,
      '  script:',
      `    - 'curl --fail --header "JOB-TOKEN: $CI_JOB_TOKEN" "\${CI_API_V4_URL}/projects/tools%2Fconfig/releases"'`,
    ]),
  );
  const broken = project(apps.id, 'broken');
  world.setFile(broken.id, '.gitlab-ci.yml', 'build:\n  image: alpine\n  script: [make\n');

  world.allowlistGroup(images.id, web.id);
  world.allowlistProject(images.id, worker.id);
  world.allowlistProject(libs.id, shop.id);

  return {
    world,
    ids: {
      users: {
        root: root.id,
        bot: bot.id,
        dana: dana.id,
        tina: tina.id,
        devon: devon.id,
        eve: eve.id,
      },
      tokens: {
        root: world.issueToken(root.id),
        bot: world.issueToken(bot.id),
        dana: world.issueToken(dana.id),
        tina: world.issueToken(tina.id),
        devon: world.issueToken(devon.id),
        eve: world.issueToken(eve.id),
      },
      groups: { tools: tools.id, web: web.id, legacy: legacy.id, mobile: mobile.id, apps: apps.id },
      projects,
      sources: [
        'web/shop',
        'web/legacy/portal',
        'mobile/ios',
        'mobile/android',
        'mobile/web-view',
        'apps/api',
        'apps/worker',
      ],
    },
  };
}

/** Runs `tools/libs` (whose artifacts others need) as tina, then every source's pipeline as dana. */
export function runAuditPipelines(world: World, ids: AuditIds): Pipeline[] {
  const run = (path: string, userId = ids.users.dana) =>
    runRepositoryPipeline(world, { projectId: ids.projects[path] as number, userId });
  run('tools/libs', ids.users.tina);
  return ids.sources.map((path) => run(path));
}
