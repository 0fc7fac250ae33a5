import { afterEach, describe, expect, it } from 'vitest';
import { addPlatformProjects, type JobTokenIds } from '../../src/simulator/index.js';
import { startHarness, type Harness } from '../helpers/bot-harness.js';

/**
 * GitLab 18.3+ fine-grained job token permissions: team/app is on the
 * allowlist of platform/config, but its entry grants only `read_jobs`, so
 * the job's call to the releases API is refused with GitLab's 403 naming
 * `read_releases`. The bot checks the entry through GraphQL, and a
 * Maintainer's approval adds the permission to that entry.
 */
let h: Harness;
afterEach(async () => {
  expect(h.sim.errors).toEqual([]);
  await h.close();
});

async function world(): Promise<JobTokenIds> {
  // bob maintains platform/config and can see team/app, as GitLab requires.
  h = await startHarness({ version: '18.3.0', botRetries: true, bobSeesApp: true });
  const platform = addPlatformProjects(h.world, h.ids, { botRole: 40 });
  h.world.allowlistProject(platform.config, h.ids.projects.app);
  h.world.setJobTokenPolicies(
    platform.config,
    { kind: 'project', id: h.ids.projects.app },
    { defaultPermissions: false, policies: ['read_jobs'] },
  );
  return platform;
}

const entryOfApp = (config: number) =>
  h.world.project(config)?.jobTokenPolicies?.get(`project:${h.ids.projects.app}`);

function runDeploy(extra: { scriptOutput?: string[] } = {}) {
  return h.runOnMergeRequest([
    {
      name: 'deploy',
      image: 'alpine:3.20',
      script: ['make'],
      tokenSteps: [{ kind: 'curl', project: 'platform/config', endpoint: 'releases' }],
      ...extra,
    },
  ]);
}

describe('fine-grained job token permissions (GitLab 18.3+)', () => {
  it('names the missing permission, gives the exact fix, and a Maintainer’s approval adds it to the entry', async () => {
    const platform = await world();
    const pipeline = runDeploy();
    const bot = h.startBot();

    const report = await bot.poller.runCycle();

    expect(report.outcomes[0]).toMatchObject({
      patternId: 'job-token-permission-missing',
      verdict: 'permission-missing',
    });
    const note = h.botNotes()[0];
    const body = note?.body ?? '';
    expect(body).toContain('does not grant `read_releases`');
    expect(body).toContain('ciJobTokenScopeUpdatePolicies');
    expect(body).toContain('Accept with one click');
    expect(body).not.toContain('read_jobs');

    h.thumbsUp();
    await bot.poller.runCycle();

    expect(entryOfApp(platform.config)).toEqual({
      defaultPermissions: false,
      policies: ['read_jobs', 'read_releases'],
    });
    expect(h.world.jobsOf(pipeline.id).map((j) => j.status)).toEqual(['success']);
    expect(h.botNotes()[0]?.body).toContain('added `read_releases` to the permissions of');
  });

  it('a Developer’s approval leaves the entry as it was', async () => {
    const platform = await world();
    runDeploy();
    const bot = h.startBot();
    await bot.poller.runCycle();
    h.world.addMember(platform.config, h.ids.users.alice, 30);

    h.reply(h.ids.users.alice, '@diagnoser-bot apply');
    await bot.poller.runCycle();

    expect(entryOfApp(platform.config)).toEqual({
      defaultPermissions: false,
      policies: ['read_jobs'],
    });
  });

  it('offers no one-click for a write permission a script printed: the manual steps only', async () => {
    const platform = await world();
    // No call was refused: the script prints GitLab's wording itself, naming a write permission.
    h.runOnMergeRequest([
      {
        name: 'deploy',
        image: 'alpine:3.20',
        script: [
          `curl --header "JOB-TOKEN: $CI_JOB_TOKEN" "${h.world.externalUrl}/api/v4/projects/platform%2Fconfig/releases"`,
        ],
        scriptOutput: [
          '{"message":"403 Forbidden - Insufficient permissions to access this resource in project config. The following token permission is required: admin_releases."}',
        ],
        exitCode: 22,
      },
    ]);
    const bot = h.startBot();
    await bot.poller.runCycle();

    const body = h.botNotes()[0]?.body ?? '';
    expect(body).toContain('`admin_releases`');
    expect(body).not.toContain('Accept with one click');
    expect(entryOfApp(platform.config)?.policies).toEqual(['read_jobs']);
  });
});

describe('a permissions write whose answer is lost', () => {
  const MUTATION = /ciJobTokenScopeUpdatePolicies/;
  const mutations = () =>
    h.sim.requests.filter(
      (r) => r.path === '/api/graphql' && MUTATION.test(JSON.stringify(r.body ?? {})),
    );
  const retries = () =>
    h.sim.requests.filter((r) => r.method === 'POST' && /\/jobs\/\d+\/retry$/.test(r.path));

  /** The deploy job's offer, approved by bob; the bot's requests time out quickly. */
  async function approved() {
    const platform = await world();
    const pipeline = runDeploy();
    const bot = h.startBot({ requestTimeoutMs: 400 });
    await bot.poller.runCycle();
    h.thumbsUp();
    return { platform, pipeline, bot };
  }

  it('is confirmed by reading the entry again after a timeout: applied once, its job retried once', async () => {
    const { platform, pipeline, bot } = await approved();
    // GitLab changes the entry, and its answer never arrives in time.
    h.sim.faults.push({
      method: 'POST',
      path: /^\/graphql$/,
      requestBody: MUTATION,
      status: 200,
      apply: true,
      delayMs: 5_000,
    });

    await bot.poller.runCycle();

    expect(mutations()).toHaveLength(1);
    expect(entryOfApp(platform.config)?.policies).toEqual(['read_jobs', 'read_releases']);
    expect(h.world.jobsOf(pipeline.id).map((j) => j.status)).toEqual(['success']);
    expect(retries()).toHaveLength(1);
    expect(h.botNotes()[0]?.body).toContain('added `read_releases` to the permissions of');
    const incident = bot.store.incidents.listIncidents()[0]?.id ?? 0;
    expect(
      bot.store.actions.listActions(incident).find((a) => a.kind === 'api-write'),
    ).toMatchObject({
      status: 'ok',
      detail: { change: 'policies', confirmedBy: "reading the entry's permissions again" },
    });
    expect(bot.store.writeIntents.listPending()).toEqual([]);

    // A second approval of the same offer, and a restart, change nothing more.
    h.reply(h.ids.users.bob, '@diagnoser-bot apply');
    await h.startBot().poller.runCycle();
    expect(mutations()).toHaveLength(1);
    expect(retries()).toHaveLength(1);
    expect(h.botNotes()).toHaveLength(1);
  });

  it('is tried once more in a later cycle when GitLab did not make it, and applied once', async () => {
    const { platform, pipeline, bot } = await approved();
    // The answer is lost and the change was not made: the process is restarted before it knows.
    h.sim.faults.push({
      method: 'POST',
      path: /^\/graphql$/,
      requestBody: MUTATION,
      status: 503,
    });

    await bot.poller.runCycle();
    expect(entryOfApp(platform.config)?.policies).toEqual(['read_jobs']);
    expect(h.botNotes()[0]?.body).toContain('**Accepted, not applied yet.**');
    expect(bot.store.writeIntents.listPending()).toHaveLength(1);

    await h.startBot().poller.runCycle();

    expect(mutations().filter((r) => r.status === 200)).toHaveLength(1);
    expect(entryOfApp(platform.config)?.policies).toEqual(['read_jobs', 'read_releases']);
    expect(h.world.jobsOf(pipeline.id).map((j) => j.status)).toEqual(['success']);
    expect(retries()).toHaveLength(1);
    expect(h.botNotes()[0]?.body).toContain('added `read_releases` to the permissions of');
  });
});
