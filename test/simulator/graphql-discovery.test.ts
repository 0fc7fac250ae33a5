import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createWorld,
  startSimulator,
  type Simulator,
  type World,
} from '../../src/simulator/index.js';

let world: World;
let sim: Simulator;
let tokens: { admin: string; bot: string; stranger: string };
let projects: { id: number }[];

beforeEach(async () => {
  world = createWorld();
  const admin = world.addUser({ username: 'root', admin: true });
  const bot = world.addUser({ username: 'bot', bot: true });
  const stranger = world.addUser({ username: 'stranger' });
  world.addDockerHubImage('alpine', ['latest']);
  const group = world.addGroup({ path: 'fleet' });
  world.addMember(group.id, bot.id, 20);
  projects = ['a', 'b', 'c'].map((path) => world.addProject({ path, namespaceId: group.id }));
  for (const project of projects) {
    world.runPipeline({
      projectId: project.id,
      ref: 'main',
      userId: admin.id,
      jobs: [
        { name: 'lint', image: 'alpine:latest', exitCode: 1 },
        { name: 'test', image: 'alpine:latest', exitCode: 1 },
        { name: 'ok', image: 'alpine:latest' },
      ],
    });
  }
  tokens = {
    admin: world.issueToken(admin.id),
    bot: world.issueToken(bot.id),
    stranger: world.issueToken(stranger.id),
  };
  sim = await startSimulator({ world });
});

afterEach(async () => {
  expect(sim.errors).toEqual([]);
  expect(sim.unhandled).toEqual([]);
  await sim.close();
});

interface Connection<T> {
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}
interface JobNode {
  id: string;
  name: string;
  status: string;
  project: { id: string };
  pipeline: { id: string };
}
interface ProjectNode {
  id: string;
  pipelines: Connection<{ id: string; jobs: Connection<JobNode> }>;
}
interface TypeInfo {
  fields: { name: string; args: { name: string }[] }[];
}
interface Answer {
  data: {
    jobs: Connection<JobNode>;
    projects: Connection<ProjectNode>;
    queryComplexity: { score: number; limit: number };
    queryType: TypeInfo;
    projectType: TypeInfo;
  };
  errors?: { message: string }[];
}

async function graphql(
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<Answer> {
  const response = await fetch(`${sim.url}/api/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Answer;
}

const JOBS = `query ($after: String) {
  jobs(statuses: [FAILED], first: 4, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id status project { id } pipeline { id } }
  }
}`;

describe('the instance-wide jobs query', () => {
  it('lists every failed job to an admin, newest first, in pages', async () => {
    const failed = world.jobs.filter((j) => j.status === 'failed').map((j) => j.id);
    const first = await graphql(tokens.admin, JOBS);
    const second = await graphql(tokens.admin, JOBS, {
      after: first.data.jobs.pageInfo.endCursor,
    });

    const ids = [...first.data.jobs.nodes, ...second.data.jobs.nodes].map((n) => n.id);
    expect(ids).toEqual(failed.sort((a, b) => b - a).map((id) => `gid://gitlab/Ci::Build/${id}`));
    expect(first.data.jobs.pageInfo.hasNextPage).toBe(true);
    expect(second.data.jobs.pageInfo.hasNextPage).toBe(false);
    const newest = world.jobs.find((j) => `gid://gitlab/Ci::Build/${j.id}` === ids[0]);
    expect(first.data.jobs.nodes[0]).toMatchObject({
      status: 'FAILED',
      project: { id: `gid://gitlab/Project/${newest?.projectId}` },
      pipeline: { id: `gid://gitlab/Ci::Pipeline/${newest?.pipelineId}` },
    });
  });

  it('is empty for anyone but an admin, as GitLab answers', async () => {
    const answer = await graphql(tokens.bot, JOBS);

    expect(answer.errors).toBeUndefined();
    expect(answer.data.jobs.nodes).toEqual([]);
  });
});

const PIPELINES = `query ($ids: [ID!], $since: Time) {
  projects(ids: $ids, first: 100) {
    nodes {
      id
      pipelines(status: FAILED, updatedAfter: $since, first: 5) {
        nodes { id jobs(statuses: [FAILED], first: 10) { nodes { id name } } }
      }
    }
  }
}`;

describe('failed pipelines of many projects at once', () => {
  it('answers each readable project with its failed pipelines and their failed jobs', async () => {
    const ids = projects.map((p) => `gid://gitlab/Project/${p.id}`);
    const answer = await graphql(tokens.bot, PIPELINES, { ids, since: '2000-01-01T00:00:00Z' });

    expect(answer.errors).toBeUndefined();
    expect(answer.data.projects.nodes.map((p) => p.id)).toEqual([...ids].reverse());
    const jobs = answer.data.projects.nodes[0]?.pipelines.nodes[0]?.jobs.nodes ?? [];
    expect(jobs.map((j) => j.name)).toEqual(['test', 'lint']);
  });

  it('leaves out pipelines not updated since the given time', async () => {
    const ids = projects.map((p) => `gid://gitlab/Project/${p.id}`);
    const since = new Date(Date.now() + 60_000).toISOString();
    const answer = await graphql(tokens.bot, PIPELINES, { ids, since });

    expect(answer.data.projects.nodes.every((p) => p.pipelines.nodes.length === 0)).toBe(true);
  });

  it('hides projects the caller cannot see', async () => {
    const ids = projects.map((p) => `gid://gitlab/Project/${p.id}`);
    const answer = await graphql(tokens.stranger, PIPELINES, { ids });

    expect(answer.data.projects.nodes).toEqual([]);
  });

  it('refuses an id that is not a project global id with GitLab message', async () => {
    const answer = await graphql(tokens.bot, PIPELINES, { ids: [String(projects[0]?.id)] });

    expect(answer.errors?.[0]?.message).toBe(`${projects[0]?.id} is not a valid GitLab ID.`);
  });
});

describe('complexity', () => {
  it('scores a query as GitLab does and tells the caller its limit', async () => {
    // jobs: (nodes 1 + id 1 + own 1) × (1 + 100 × 1%) = 6; queryComplexity: 1 + 2.
    const answer = await graphql(
      tokens.bot,
      'query { queryComplexity { score limit } jobs(first: 100) { nodes { id } } }',
    );

    expect(answer.data.queryComplexity).toEqual({ score: 9, limit: 250 });
  });

  it('refuses a query over the limit with graphql-ruby message', async () => {
    world.graphql.maxComplexity = 10;
    const answer = await graphql(tokens.bot, PIPELINES, { ids: [] });

    expect(answer.data).toBeUndefined();
    expect(answer.errors?.[0]?.message).toMatch(
      /^Query has complexity of \d+, which exceeds max complexity of 10$/,
    );
  });
});

describe('older schemas', () => {
  const INTROSPECT = `query {
    queryType: __type(name: "Query") { fields { name } }
    projectType: __type(name: "Project") { fields { name args { name } } }
  }`;

  it('shows by introspection what the instance lacks', async () => {
    world.graphql.instanceJobs = false;
    world.graphql.pipelinesUpdatedAfter = false;
    const answer = await graphql(tokens.bot, INTROSPECT);

    const rootFields = answer.data.queryType.fields.map((f) => f.name);
    const pipelines = answer.data.projectType.fields.find((f) => f.name === 'pipelines');
    expect(rootFields).not.toContain('jobs');
    expect(pipelines?.args.map((a) => a.name)).not.toContain('updatedAfter');
    expect((await graphql(tokens.admin, JOBS)).errors?.[0]?.message).toMatch(/jobs/);
  });
});
