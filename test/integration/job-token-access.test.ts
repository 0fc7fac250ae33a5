import { existsSync, readFileSync } from 'node:fs';
import { Gitlab } from '@gitbeaker/rest';
import { afterEach, describe, expect, it } from 'vitest';
import { addPlatformProjects, type JobSpec, type JobTokenIds } from '../../src/simulator/index.js';
import { startHarness, type Harness } from '../helpers/bot-harness.js';

let h: Harness;
afterEach(async () => {
  expect(h.sim.unhandled).toEqual([]);
  expect(h.sim.errors).toEqual([]);
  await h.close();
});

interface Case {
  name: string;
  pattern: string;
  spec: Omit<JobSpec, 'image'>;
  /** B, the project the job reached. */
  target: (p: JobTokenIds) => number;
  /** Words the note must use for this resource. */
  words: string;
}

const CASES: Case[] = [
  {
    name: 'a submodule cloned by the runner',
    pattern: 'repo-access-denied',
    spec: { name: 'build', submodules: [{ path: 'libs/shared', project: 'platform/shared' }] },
    target: (p) => p.shared,
    words: 'The runner could not clone `https://gitlab.example.org/platform/shared.git`',
  },
  {
    name: "an npm install from another project's package registry",
    pattern: 'package-access-denied',
    spec: {
      name: 'test',
      tokenSteps: [
        {
          kind: 'npm-install',
          package: '@platform/ui-kit',
          version: '2.1.0',
          registryProject: 'platform/ui-kit',
        },
      ],
    },
    target: (p) => p.uiKit,
    words: 'The package manager could not fetch `@platform/ui-kit`',
  },
  {
    name: 'a needs:project artifact download',
    pattern: 'artifacts-access-denied',
    spec: { name: 'package', needs: [{ project: 'platform/libs', job: 'build-lib', ref: 'main' }] },
    target: (p) => p.libs,
    words: 'The runner could not download the artifacts of `build-lib (job',
  },
  {
    name: 'a curl to the API with the job token',
    pattern: 'api-access-denied',
    spec: {
      name: 'deploy',
      tokenSteps: [{ kind: 'curl', project: 'platform/config', endpoint: 'releases' }],
    },
    target: (p) => p.config,
    words: "The job's call to the GitLab API (`/api/v4/projects/platform%2Fconfig/releases`)",
  },
];

async function scenario(botRole = 40) {
  h = await startHarness();
  const platform = addPlatformProjects(h.world, h.ids, { botRole });
  const run = (spec: Case['spec'], userId = h.ids.users.alice) =>
    h.world.runPipeline({
      projectId: h.ids.projects.app,
      ref: `refs/merge-requests/${h.ids.mergeRequest.iid}/head`,
      userId,
      jobs: [{ image: 'alpine:3.20', script: ['make'], ...spec }],
    });
  return { platform, run };
}

describe.each(CASES)('job token denial: $name', ({ pattern, spec, target, words }) => {
  it('gives the allowlist verdict, and the fix from the note, applied and retried, makes the job pass', async () => {
    const { platform, run } = await scenario();
    const pipeline = run(spec);
    const bot = h.startBot();

    const report = await bot.poller.runCycle();

    expect(report.outcomes).toMatchObject([
      { status: 'noted', patternId: pattern, verdict: 'allowlist-missing' },
    ]);
    const body = h.botNotes()[0]?.body ?? '';
    expect(body).toContain(words);
    // The refusal is script (or git, or artifacts) output: most likely, and no offer.
    expect(body).toContain('most likely it is the job token allowlist');
    expect(body).not.toContain('Accept with one click');
    expect(body).toContain('**Job token permissions**');
    expect(h.world.quickActionsRun).toEqual([]);
    const incident = bot.store.incidents.listIncidents()[0];
    expect(incident?.rootCauseKey).toBe(
      `allowlist-missing:${target(platform)}<-${h.ids.projects.app}`,
    );
    expect(incident?.diagnosis).toMatchObject({ fix: { kind: 'allowlist-add' } });

    // bob (Maintainer of platform, who can see team/app) runs the note's REST call.
    const call =
      /--data "target_project_id=(?<source>\d+)"[^\n]*\n\s*"[^"]*\/api\/v4\/projects\/(?<target>\d+)\/job_token_scope\/allowlist"/.exec(
        body,
      );
    expect(call?.groups).toEqual({
      source: String(h.ids.projects.app),
      target: String(target(platform)),
    });
    h.world.addMember(h.ids.projects.app, h.ids.users.bob, 10);
    const bob = new Gitlab({ host: h.sim.url, token: h.ids.tokens.bob });
    await bob.ProjectJobTokenScopes.addToInboundAllowList(
      Number(call?.groups?.target),
      Number(call?.groups?.source),
    );
    const alice = new Gitlab({ host: h.sim.url, token: h.ids.tokens.alice });
    const failed = h.world.jobsOf(pipeline.id)[0];
    const retried = await alice.Jobs.retry(h.ids.projects.app, failed?.id ?? 0);

    expect(retried.status).toBe('success');
  });

  it('gives the access verdict when the allowlist is right but the user has no role there', async () => {
    const { platform, run } = await scenario();
    h.world.allowlistProject(target(platform), h.ids.projects.app);
    // carol maintains team/app and sees B as a Guest, who may not read it with a job token.
    h.world.addMember(target(platform), h.ids.users.carol, 10);
    const pipeline = run(spec, h.ids.users.carol);
    const bot = h.startBot();

    const report = await bot.poller.runCycle();

    expect(report.outcomes).toMatchObject([{ patternId: pattern, verdict: 'user-lacks-access' }]);
    const body = h.botNotes()[0]?.body ?? '';
    expect(body).toContain('would not fix it');
    expect(body).toContain('at least the Reporter role there');
    expect(body).not.toContain('job_token_scope/allowlist');
    h.world.addMember(target(platform), h.ids.users.carol, 20);
    const failed = h.world.jobsOf(pipeline.id)[0];
    expect(h.world.retryJob(h.ids.projects.app, failed?.id ?? 0, h.ids.users.carol).status).toBe(
      'success',
    );
  });
});

describe('job token denials: what the bot cannot see, and what is not an allowlist problem', () => {
  it('concludes the allowlist by elimination (suspected) when the bot may not read it', async () => {
    const { run } = await scenario(20);
    run(CASES[0]?.spec ?? { name: 'x' });
    const bot = h.startBot();

    const report = await bot.poller.runCycle();

    expect(report.outcomes[0]).toMatchObject({ verdict: 'allowlist-missing' });
    const body = h.botNotes()[0]?.body ?? '';
    expect(body).toContain('needs the Maintainer role there');
    expect(body).toContain('suspected');
  });

  it('says the project was not found when the clone URL names none the bot can see', async () => {
    const { run } = await scenario();
    run({ name: 'clone', tokenSteps: [{ kind: 'git-clone', project: 'platform/missing' }] });
    const bot = h.startBot();

    const report = await bot.poller.runCycle();

    expect(report.outcomes[0]).toMatchObject({
      patternId: 'repo-access-denied',
      verdict: 'project-not-found',
    });
    const body = h.botNotes()[0]?.body ?? '';
    expect(body).toContain('no project matches the repository URL');
    expect(body).not.toContain('job_token_scope/allowlist');
  });

  it("does not talk about allowlists for an API endpoint job tokens cannot call on the job's own project", async () => {
    const { run } = await scenario();
    run({
      name: 'changelog',
      tokenSteps: [
        {
          kind: 'curl',
          project: h.ids.projects.app,
          endpoint: 'repository/files/CHANGELOG.md/raw?ref=main',
          apiUrlVariable: true,
        },
      ],
    });
    const bot = h.startBot();

    const report = await bot.poller.runCycle();

    expect(report.outcomes[0]).toMatchObject({
      patternId: 'api-access-denied',
      verdict: 'access-ok',
    });
    const body = h.botNotes()[0]?.body ?? '';
    expect(body).toContain("This is the job's own project, `team/app`");
    expect(body).toContain('GitLab `18.0` added that.');
    expect(body).toContain('project or group access token');
    expect(body).not.toContain('job_token_scope/allowlist');
  });

  it('uses the 404 wording of GitLab before 17.4 and the UI path of that version', async () => {
    h = await startHarness();
    h.world.version = '16.11.0';
    const platform = addPlatformProjects(h.world, h.ids, { botRole: 40 });
    h.world.runPipeline({
      projectId: h.ids.projects.app,
      ref: `refs/merge-requests/${h.ids.mergeRequest.iid}/head`,
      userId: h.ids.users.alice,
      jobs: [
        {
          name: 'build',
          image: 'alpine:3.20',
          submodules: [{ path: 'libs/shared', project: 'platform/shared' }],
        },
      ],
    });
    const bot = h.startBot();

    const report = await bot.poller.runCycle();

    expect(report.outcomes[0]).toMatchObject({ verdict: 'allowlist-missing' });
    const body = h.botNotes()[0]?.body ?? '';
    expect(body).toContain('remote: The project you were looking for could not be found');
    expect(body).toContain('**Token Access**');
    expect(body).toContain('**Limit access to this project**');
    expect(body).toContain(`/projects/${platform.shared}/job_token_scope/allowlist`);
  });
});

describe('a token in a URL git printed after the matched line', () => {
  // The URL is read past the match, so the match's own masking never saw it;
  // the resolver masks it and the store masks every string again.
  const TOKEN = 'glpat-Xy7Qm2LpR9sT4vW8zK1n';

  it('is masked in the note and in the database, not only stripped of user:password@', async () => {
    const { run } = await scenario();
    run({
      name: 'clone',
      script: ['./fetch-deps.sh'],
      scriptOutput: [
        'remote: You are not allowed to download code from this project.',
        `fatal: unable to access 'https://gitlab.example.org/platform/shared.git?private_token=${TOKEN}'`,
      ],
      exitCode: 128,
    });
    const bot = h.startBot();

    const report = await bot.poller.runCycle();

    expect(report.outcomes[0]).toMatchObject({ patternId: 'repo-access-denied' });
    const body = h.botNotes()[0]?.body ?? '';
    expect(body).toContain('platform/shared.git?private_token=');
    expect(body).not.toContain(TOKEN);
    await bot.close();
    expect(readFileSync(h.dbPath).includes(TOKEN)).toBe(false);
    const wal = `${h.dbPath}-wal`;
    if (existsSync(wal)) expect(readFileSync(wal).includes(TOKEN)).toBe(false);
  });
});
