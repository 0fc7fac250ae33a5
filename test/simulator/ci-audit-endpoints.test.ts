import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  addIssue,
  awardIssueEmoji,
  runAuditPipelines,
  type AuditIds,
  type Simulator,
  type World,
} from '../../src/simulator/index.js';
import { closeChecked, startAuditSimulator } from '../helpers/audit-sim.js';

let sim: Simulator;
let world: World;
let ids: AuditIds;

beforeEach(async () => {
  ({ sim, world, ids } = await startAuditSimulator({ pipelines: false }));
});

afterEach(async () => {
  await closeChecked(sim);
});

async function get(path: string, token: string) {
  const response = await fetch(`${sim.url}/api/v4${path}`, { headers: { 'private-token': token } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function graphql(token: string, query: string, variables: Record<string, unknown>) {
  const response = await fetch(`${sim.url}/api/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as {
    data?: { project: { ciJobTokenAuthLogs: unknown } | null };
    errors?: { message: string }[];
  };
}

const AUTH_LOG = `query ($path: ID!) { project(fullPath: $path) { ciJobTokenAuthLogs(first: 100) {
  count nodes { lastAuthorizedAt originProject { fullPath } } pageInfo { hasNextPage endCursor } } } }`;

describe('GET /projects/:id/ci/lint', () => {
  it('answers the merged configuration with project includes, as Ruby writes it', async () => {
    const { status, body } = await get('/projects/web%2Fshop/ci/lint', ids.tokens.bot);

    expect(status).toBe(200);
    expect(body).toMatchObject({ valid: true, errors: [], warnings: [] });
    const merged = parse(body.merged_yaml as string) as Record<string, Record<string, unknown>>;
    expect(merged[':default']?.[':image']).toBe('gitlab-registry.example.org/tools/images/node:20');
    expect(body.includes).toEqual([
      expect.objectContaining({
        type: 'file',
        location: '/templates/node.yml',
        extra: { project: 'tools/ci-templates', ref: 'HEAD' },
      }),
    ]);
  });

  it('resolves local includes and extends', async () => {
    const { body } = await get('/projects/web%2Flegacy%2Fportal/ci/lint', ids.tokens.bot);

    const merged = parse(body.merged_yaml as string) as Record<string, Record<string, unknown>>;
    expect(merged[':build']).toMatchObject({
      ':image': 'gitlab-registry.example.org/tools/images/node:20',
      ':extends': '.node',
    });
  });

  it('reports a broken file as invalid, without merged YAML', async () => {
    const { status, body } = await get('/projects/apps%2Fbroken/ci/lint', ids.tokens.bot);

    expect(status).toBe(200);
    expect(body.valid).toBe(false);
    expect(body.merged_yaml).toBeNull();
    expect((body.errors as string[])[0]).toMatch(/^\(<unknown>\): /);
  });

  it('refuses an include the caller may not read, and hides projects from strangers', async () => {
    const tools = world.groups.find((g) => g.path === 'tools');
    tools?.members.delete(ids.users.bot);

    const { body } = await get('/projects/web%2Fshop/ci/lint', ids.tokens.bot);
    const stranger = await get('/projects/web%2Fshop/ci/lint', ids.tokens.eve);

    expect(body.valid).toBe(false);
    expect(body.errors).toEqual([
      'Project `tools/ci-templates` not found or access denied! Make sure any includes in the pipeline configuration are correctly defined.',
    ]);
    expect(stranger.status).toBe(404);
  });

  it('serves the repository files it was given', async () => {
    const response = await fetch(
      `${sim.url}/api/v4/projects/web%2Fshop/repository/files/.gitmodules/raw?ref=main`,
      { headers: { 'private-token': ids.tokens.bot } },
    );

    expect(response.status).toBe(200);
    expect(await response.text()).toContain('url = ../../tools/shared.git');
  });
});

describe('the job token authentication log', () => {
  it('records successful cross-project authorizations and shows them to Maintainers', async () => {
    runAuditPipelines(world, ids);

    const answer = await graphql(ids.tokens.bot, AUTH_LOG, { path: 'tools/shared' });

    const log = answer.data?.project?.ciJobTokenAuthLogs as {
      count: number;
      nodes: { originProject: { fullPath: string } }[];
    };
    expect(log.count).toBe(2);
    expect(log.nodes.map((n) => n.originProject.fullPath).sort()).toEqual([
      'web/legacy/portal',
      'web/shop',
    ]);
  });

  it('refuses a Developer, and does not exist before 17.6', async () => {
    runAuditPipelines(world, ids);

    const developer = await graphql(ids.tokens.devon, AUTH_LOG, { path: 'tools/shared' });
    world.version = '17.5.0';
    const old = await graphql(ids.tokens.bot, AUTH_LOG, { path: 'tools/shared' });

    expect(developer.data?.project?.ciJobTokenAuthLogs).toBeNull();
    expect(developer.errors?.[0]?.message).toMatch(/don't have permission/);
    expect(old.errors?.[0]?.message).toBe(
      "Field 'ciJobTokenAuthLogs' doesn't exist on type 'Project'",
    );
  });

  it('records nothing for refused jobs', () => {
    runAuditPipelines(world, ids);

    const origins = world.jobTokenAuthLog.map((r) => world.project(r.originProjectId)?.path);
    expect(origins).not.toContain('ios');
    expect(origins).not.toContain('api');
  });
});

describe('issues', () => {
  it('opens an issue, lists reactions on it, and lets its author close it', async () => {
    const images = ids.projects['tools/images'] as number;
    const created = await fetch(`${sim.url}/api/v4/projects/${images}/issues`, {
      method: 'POST',
      headers: { 'private-token': ids.tokens.bot, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Allow job tokens', description: 'entries', labels: 'a,b' }),
    });
    const issue = (await created.json()) as { iid: number; labels: string[]; web_url: string };
    awardIssueEmoji(world, images, issue.iid, ids.users.tina, 'thumbsup');
    const awards = await fetch(
      `${sim.url}/api/v4/projects/${images}/issues/${issue.iid}/award_emoji`,
      { headers: { 'private-token': ids.tokens.bot } },
    );
    const closed = await fetch(`${sim.url}/api/v4/projects/${images}/issues/${issue.iid}`, {
      method: 'PUT',
      headers: { 'private-token': ids.tokens.bot, 'content-type': 'application/json' },
      body: JSON.stringify({ state_event: 'close', description: 'done' }),
    });

    expect(created.status).toBe(201);
    expect(issue.labels).toEqual(['a', 'b']);
    expect(issue.web_url).toBe(`https://gitlab.example.org/tools/images/-/issues/${issue.iid}`);
    expect(await awards.json()).toEqual([
      expect.objectContaining({
        name: 'thumbsup',
        awardable_type: 'Issue',
        user: expect.objectContaining({ username: 'tina' }),
      }),
    ]);
    expect(((await closed.json()) as { state: string }).state).toBe('closed');
  });

  it('lets nobody else edit it without a role', async () => {
    const images = ids.projects['tools/images'] as number;
    const issue = addIssue(world, { projectId: images, authorId: ids.users.bot, title: 't' });
    world.project(images)?.members.set(ids.users.eve, 10);

    const response = await fetch(`${sim.url}/api/v4/projects/${images}/issues/${issue.iid}`, {
      method: 'PUT',
      headers: { 'private-token': ids.tokens.eve, 'content-type': 'application/json' },
      body: JSON.stringify({ state_event: 'close' }),
    });

    expect(response.status).toBe(403);
    expect(issue.state).toBe('opened');
  });
});

describe('group members', () => {
  it('answers a member with the inherited level, and 404 for others', async () => {
    const member = await get(`/groups/web%2Flegacy/members/all/${ids.users.dana}`, ids.tokens.bot);
    const none = await get(`/groups/web/members/all/${ids.users.eve}`, ids.tokens.bot);

    expect(member.body).toMatchObject({ username: 'dana', access_level: 30 });
    expect(none.status).toBe(404);
  });
});
