import { afterEach, describe, expect, it } from 'vitest';
import { createGitlabAdapter } from '../../src/gitlab/client.js';
import { GitlabQueryTooComplexError, GitlabTransientError } from '../../src/errors.js';
import { failedPipelinesComplexity } from '../../src/gitlab/failed-pipelines-plan.js';
import type { GitlabPort, Job } from '../../src/gitlab/port.js';
import { silentLogger } from '../../src/log.js';
import { createPollSource, type PollReport } from '../../src/pipeline/discover/poll.js';
import type { DiscoverySetting } from '../../src/pipeline/discover/mode.js';
import {
  createWorld,
  startSimulator,
  type Simulator,
  type World,
} from '../../src/simulator/index.js';
import { openDatabase, type Store } from '../../src/store/index.js';

/** A GitLab with a `fleet` group of projects the bot is Reporter in, and a bot polling it. */
interface Fleet {
  world: World;
  gitlab: GitlabPort;
  sim: Simulator;
  store: Store;
  projects: { id: number }[];
  clock: { now: Date };
  root: number;
  /** One poll; `found` runs each time the poll queued something. */
  poll(found?: () => void): Promise<PollReport>;
  /** Every failed job of the world, by id. */
  failedJobs(): number[];
  /** Every job the bot's queue holds, by id. */
  queued(): number[];
}

let fleet: Fleet | undefined;
afterEach(async () => {
  if (!fleet) return;
  expect(fleet.sim.errors).toEqual([]);
  expect(fleet.sim.unhandled).toEqual([]);
  fleet.store.close();
  await fleet.sim.close();
  fleet = undefined;
});

async function startFleet(options: {
  projects: number;
  admin?: boolean;
  discovery?: DiscoverySetting;
}): Promise<Fleet> {
  const world = createWorld();
  world.addDockerHubImage('alpine', ['latest']);
  const root = world.addUser({ username: 'root', admin: true });
  const bot = world.addUser({ username: 'bot', bot: true, admin: options.admin ?? false });
  const group = world.addGroup({ path: 'fleet' });
  world.addMember(group.id, bot.id, 20);
  const projects = Array.from({ length: options.projects }, (_, i) =>
    world.addProject({ path: `service-${i}`, namespaceId: group.id }),
  );
  const sim = await startSimulator({ world });
  const gitlab = createGitlabAdapter({
    url: sim.url,
    token: world.issueToken(bot.id),
    retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
  });
  const store = openDatabase(':memory:');
  const clock = { now: new Date() };
  const { poll } = createPollSource(
    { gitlab, store, logger: silentLogger(), now: () => clock.now },
    {
      watch: { projects: [], groups: ['fleet'] },
      lookbackMs: 24 * 60 * 60_000,
      perPage: 20,
      watchListTtlMs: 10 * 60_000,
      maxQuietSkip: 0,
      discovery: options.discovery ?? 'auto',
      sweepEveryMs: 10 * 60_000,
    },
  );
  fleet = {
    world,
    gitlab,
    sim,
    store,
    projects,
    clock,
    root: root.id,
    async poll(found) {
      const report: PollReport = { projects: 0, newJobs: 0, problems: [] };
      await poll(report, new Map<number, Job>(), async () => {
        found?.();
        return 'ok';
      });
      return report;
    },
    failedJobs: () =>
      world.jobs
        .filter((j) => j.status === 'failed')
        .map((j) => j.id)
        .sort((a, b) => a - b),
    queued: () =>
      world.jobs
        .map((j) => j.id)
        .filter((id) => store.jobQueue.isJobKnown(id))
        .sort((a, b) => a - b),
  };
  return fleet;
}

/** `count` pipelines in the project, each with `jobs` failing jobs. */
function fail(f: Fleet, projectId: number, pipelines: number, jobs: number): void {
  for (let p = 0; p < pipelines; p++) {
    f.world.runPipeline({
      projectId,
      ref: 'main',
      userId: f.root,
      jobs: Array.from({ length: jobs }, (_, j) => ({
        name: `job-${j}`,
        image: 'alpine:latest',
        exitCode: 1,
      })),
    });
  }
}

describe.each([
  { mode: 'instance' as const, admin: true },
  { mode: 'batched' as const, admin: false },
  { mode: 'per-project' as const, admin: false },
])('$mode discovery', ({ mode, admin }) => {
  it('queues every one of more than 100 failures of a project between two polls', async () => {
    const f = await startFleet({ projects: 3, admin, discovery: mode });
    const first = await f.poll();
    const [busy] = f.projects;
    // 25 pipelines of 4 failures (more pipelines than one query holds),
    // and one of 60 (more jobs than one query holds for a pipeline).
    fail(f, busy?.id ?? 0, 25, 4);
    fail(f, busy?.id ?? 0, 1, 60);

    const second = await f.poll();

    expect(first.discovery).toBe(mode);
    expect(f.failedJobs()).toHaveLength(160);
    expect(second.newJobs).toBe(160);
    expect(f.queued()).toEqual(f.failedJobs());
    expect(second.problems).toEqual([]);
  });
});

describe('choosing how to find failures', () => {
  it('an admin token costs one request per idle cycle, whatever the number of projects', async () => {
    const f = await startFleet({ projects: 150, admin: true });
    await f.poll();
    f.sim.requests.length = 0;

    const idle = await f.poll();

    expect(idle.discovery).toBe('instance');
    expect(f.sim.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/graphql']);
  });

  it('without one, an idle cycle costs one GraphQL request per 100 projects', async () => {
    const f = await startFleet({ projects: 150 });
    await f.poll();
    f.sim.requests.length = 0;

    const idle = await f.poll();

    expect(idle.discovery).toBe('batched');
    expect(f.sim.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /api/graphql',
      'POST /api/graphql',
    ]);
  });

  it('lists project by project through REST where GitLab lacks the GraphQL fields', async () => {
    const f = await startFleet({ projects: 2, admin: true });
    f.world.graphql.instanceJobs = false;
    f.world.graphql.pipelinesUpdatedAfter = false;
    fail(f, f.projects[0]?.id ?? 0, 1, 2);

    const report = await f.poll();

    expect(report.discovery).toBe('per-project');
    expect(f.queued()).toEqual(f.failedJobs());
    const rest = f.sim.requests.filter((r) => /\/projects\/\d+\/jobs$/.test(r.path));
    expect(rest).toHaveLength(2);
  });

  it('sweeps in batches for an admin on a GitLab without the instance jobs query', async () => {
    const f = await startFleet({ projects: 2, admin: true });
    f.world.graphql.instanceJobs = false;

    const report = await f.poll();

    expect(report.discovery).toBe('batched');
  });

  it('says so when the instance mode is asked for without an admin token', async () => {
    const f = await startFleet({ projects: 1, discovery: 'instance' });

    const report = await f.poll();

    expect(report.discovery).toBe('batched');
    expect(report.problems.map((p) => p.message)).toEqual([
      "instance is not possible: the bot's token is not an administrator's; using batched",
    ]);
  });
});

describe('batched discovery', () => {
  it('scores its query exactly as GitLab does, so a plan within the limit is accepted', async () => {
    const f = await startFleet({ projects: 1 });
    const ids = Array.from({ length: 100 }, (_, i) => i + 1);
    for (const plan of [
      { projects: 100, pipelines: 20, jobs: 50 },
      { projects: 50, pipelines: 10, jobs: 20 },
      { projects: 1, pipelines: 5, jobs: 10 },
    ]) {
      const ask = () =>
        f.gitlab.listPipelineFailures(ids, { updatedAfter: new Date().toISOString(), plan });
      f.world.graphql.maxComplexity = failedPipelinesComplexity(plan);
      await expect(ask()).resolves.toEqual([]);
      f.world.graphql.maxComplexity -= 1;
      await expect(ask()).rejects.toBeInstanceOf(GitlabQueryTooComplexError);
    }
  });

  it('plans smaller batches when GitLab finds the query too complex, and loses nothing', async () => {
    const f = await startFleet({ projects: 120 });
    await f.poll();
    // A GitLab whose limit is lower than the planner expects: 30, not 250.
    f.world.graphql.maxComplexity = 30;
    for (const project of f.projects.slice(0, 120)) fail(f, project.id, 1, 1);
    f.sim.requests.length = 0;

    const report = await f.poll();

    expect(f.queued()).toEqual(f.failedJobs());
    expect(report.newJobs).toBe(120);
    const plans = f.sim.requests
      .filter((r) => r.path === '/api/graphql')
      .map((r) => r.body?.variables as { ids: string[]; jobs: number })
      .map((v) => [v.ids.length, v.jobs]);
    // Refused at 44; then the biggest plan under 30 (28): 50 projects, 20 jobs per pipeline.
    expect(plans).toEqual([
      [100, 50],
      [50, 20],
      [50, 20],
      [20, 20],
    ]);
  });

  it('finds a failed job whose pipeline was canceled afterwards', async () => {
    const f = await startFleet({ projects: 2 });
    await f.poll();
    const [project] = f.projects;
    fail(f, project?.id ?? 0, 1, 1);
    const pipeline = f.world.pipelines.at(-1);
    if (!pipeline) throw new Error('no pipeline');
    Object.assign(pipeline, { status: 'canceled', updatedAt: new Date() });

    const report = await f.poll();

    expect(report.newJobs).toBe(1);
    expect(f.queued()).toEqual(f.failedJobs());
  });

  it('lists project by project when not even the smallest batch fits', async () => {
    const f = await startFleet({ projects: 3 });
    f.world.graphql.maxComplexity = 5;
    fail(f, f.projects[1]?.id ?? 0, 1, 1);

    const report = await f.poll();

    expect(report.discovery).toBe('per-project');
    expect(f.queued()).toEqual(f.failedJobs());
  });

  it('asks again from the same time after an outage in the middle of a sweep', async () => {
    const f = await startFleet({ projects: 150 });
    await f.poll();
    for (const project of f.projects) fail(f, project.id, 1, 1);
    // GitLab goes down once the first batch is queued, through the client's retries.
    let down = false;
    const outage = () => {
      if (down) return;
      down = true;
      f.sim.faults.push({ path: /^\/graphql$/, status: 503, times: 2 });
    };

    const broken = f.poll(outage);
    await expect(broken).rejects.toThrow(/503/);
    const queuedBefore = f.queued().length;
    const after = await f.poll();

    expect(queuedBefore).toBe(100);
    expect(after.newJobs).toBe(50);
    expect(f.queued()).toEqual(f.failedJobs());
  });
});

describe('instance discovery', () => {
  it('finds a long job that failed after 100 newer failures with the periodic sweep', async () => {
    const f = await startFleet({ projects: 3, admin: true });
    const [slow, busy] = f.projects;
    const pipeline = f.world.runPipeline({
      projectId: slow?.id ?? 0,
      ref: 'main',
      userId: f.root,
      jobs: [{ name: 'e2e', image: 'alpine:latest' }],
    });
    await f.poll();
    fail(f, busy?.id ?? 0, 1, 120);
    await f.poll();
    // The long job (lower id than all 120) fails only now.
    const late = f.world.jobsOf(pipeline.id)[0];
    if (!late) throw new Error('no job');
    Object.assign(late, {
      status: 'failed',
      failureReason: 'script_failure',
      finishedAt: new Date(),
    });
    f.world.refreshPipeline(pipeline);

    const fast = await f.poll();
    f.clock.now = new Date(f.clock.now.getTime() + 10 * 60_000);
    const swept = await f.poll();

    expect(fast.newJobs).toBe(0);
    expect(swept.newJobs).toBe(1);
    expect(f.queued()).toEqual(f.failedJobs());
  });
});

describe('GraphQL answers the bot cannot use', () => {
  const plan = { projects: 100, pipelines: 20, jobs: 50 };
  const ask = (f: Fleet) =>
    f.gitlab.listPipelineFailures([f.projects[0]?.id ?? 0], {
      updatedAfter: new Date().toISOString(),
      plan,
    });

  it('takes a GraphQL timeout for a transient failure', async () => {
    const f = await startFleet({ projects: 1 });
    const timeout = { errors: [{ message: 'Timeout on Query.projects' }] };
    f.sim.faults.push({ path: /^\/graphql$/, status: 200, body: timeout, times: 2 });

    await expect(ask(f)).rejects.toBeInstanceOf(GitlabTransientError);
  });

  it('says so when GitLab answers with something other than JSON', async () => {
    const f = await startFleet({ projects: 1 });
    f.sim.faults.push({ path: /^\/graphql$/, status: 200, body: '<html>proxy</html>' });

    await expect(ask(f)).rejects.toThrow(
      "GitLab's GraphQL API answered listing the failed jobs of 1 project(s) (GraphQL) with something other than JSON",
    );
  });
});
