import { afterEach, describe, expect, it } from 'vitest';
import { factText, type Diagnosis } from '../../src/domain/diagnosis.js';
import { createGitlabAdapter } from '../../src/gitlab/client.js';
import type { GitlabPort } from '../../src/gitlab/port.js';
import { loadLibrary } from '../../src/patterns/load.js';
import { renderNote } from '../../src/render/comment.js';
import {
  addPlatformProjects,
  seedStoryWorld,
  startSimulator,
  type JobSpec,
  type Simulator,
  type World,
} from '../../src/simulator/index.js';
import { GitlabNotFoundError } from '../../src/errors.js';
import { diagnoseJob } from '../../src/pipeline/diagnose/diagnose-job.js';

/** A port on which the pipeline's configuration cannot be read (an include, a missing file). */
function withoutConfig(gitlab: GitlabPort): GitlabPort {
  return {
    ...gitlab,
    getRawFile: () => Promise.reject(new GitlabNotFoundError('.gitlab-ci.yml: not found')),
  };
}

const library = loadLibrary();
let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** A world with the platform group, a live simulator, and the bot's port on it. */
async function setup(options: { botRole?: number; version?: string } = {}) {
  const { world, ids } = seedStoryWorld(options.version ? { version: options.version } : {});
  const platform = addPlatformProjects(world, ids, { botRole: options.botRole ?? 40 });
  sim = await startSimulator({ world });
  const gitlab = createGitlabAdapter({
    url: sim.url,
    token: ids.tokens.bot,
    retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
  });
  return { world, ids, platform, gitlab };
}

function runJob(world: World, projectId: number, userId: number, spec: Omit<JobSpec, 'image'>) {
  const pipeline = world.runPipeline({
    projectId,
    ref: 'main',
    userId,
    jobs: [{ image: 'alpine:3.20', script: ['make'], ...spec }],
  });
  const job = world.jobsOf(pipeline.id)[0];
  if (!job) throw new Error('no job');
  return job;
}

async function diagnose(gitlab: GitlabPort, projectId: number, jobId: number, version = '17.5.0') {
  const job = await gitlab.getJob(projectId, jobId);
  const diagnosis = await diagnoseJob(
    {
      gitlab,
      library,
      now: () => new Date('2025-05-12T10:00:00Z'),
      maxLogBytes: 1_000_000,
      secrets: [],
    },
    job,
    version,
  );
  if (!diagnosis) throw new Error('no diagnosis');
  return diagnosis;
}

function note(d: Diagnosis): string {
  return renderNote([{ incidentId: 7, diagnosis: d, jobs: [] }], {
    gitlabUrl: 'https://gitlab.example.org',
    now: new Date('2025-05-12T10:00:00Z'),
  });
}

describe('needs:project artifacts: finding the project the log does not name', () => {
  it("reads the job's pipeline config when the port can read files, instead of searching", async () => {
    const { world, ids, platform, gitlab } = await setup();
    const job = runJob(world, ids.projects.app, ids.users.alice, {
      name: 'package',
      needs: [{ project: 'platform/libs', job: 'build-lib', ref: 'main' }],
    });
    // The pipeline's .gitlab-ci.yml is read over the API: no need to search projects.
    const withFiles: GitlabPort = {
      ...gitlab,
      listMemberProjects: () => Promise.reject(new Error('must not search')),
    };

    const d = await diagnose(withFiles, ids.projects.app, job.id);

    expect(d).toMatchObject({
      verdict: 'allowlist-missing',
      // Checked through the API, but the evidence is not the runner's: most likely.
      confidence: 'suspected',
      target: { id: platform.libs },
      resource: { kind: 'artifacts', name: `build-lib (job ${platform.libsJob.id})` },
    });
    expect(factText(d.checks[0]?.detail ?? '')).toBe(
      `The job's needs:project names platform/libs, which ran job ${platform.libsJob.id}.`,
    );
  });

  it('names no project the log did not name: the job id alone is not searched for', async () => {
    const { world, ids, gitlab } = await setup();
    const job = runJob(world, ids.projects.app, ids.users.alice, {
      name: 'package',
      needs: [{ project: 'platform/libs', job: 'build-lib', ref: 'main' }],
    });

    const d = await diagnose(withoutConfig(gitlab), ids.projects.app, job.id);

    expect(d).toMatchObject({ verdict: 'unverifiable', confidence: 'suspected' });
    expect(d.target).toBeUndefined();
    expect(note(d)).not.toContain('platform');
  });

  it('is unverifiable, saying what is missing, when the producing project is hidden from the bot', async () => {
    const { world, ids, platform, gitlab } = await setup();
    world.requireProject(platform.libs).members.delete(ids.users.bot);
    world.group(platform.group)?.members.delete(ids.users.bot);
    const job = runJob(world, ids.projects.app, ids.users.alice, {
      name: 'package',
      needs: [{ project: 'platform/libs', job: 'build-lib', ref: 'main' }],
    });

    const d = await diagnose(withoutConfig(gitlab), ids.projects.app, job.id);

    expect(d).toMatchObject({ verdict: 'unverifiable', confidence: 'suspected' });
    expect(factText(d.checks[0]?.detail ?? '')).toContain(
      'could not be read from its .gitlab-ci.yml',
    );
    expect(note(d)).not.toContain('job_token_scope/allowlist');
  });
});

describe('a URL read past the matched line', () => {
  it('goes through the masking rule, not only through cleanUrl', async () => {
    const token = 'glpat-Xy7Qm2LpR9sT4vW8zK1n';
    const { world, ids, gitlab } = await setup();
    const job = runJob(world, ids.projects.app, ids.users.alice, {
      name: 'clone',
      script: ['./fetch-deps.sh'],
      scriptOutput: [
        'remote: You are not allowed to download code from this project.',
        `fatal: unable to access 'https://gitlab.example.org/platform/shared.git?private_token=${token}'`,
      ],
      exitCode: 128,
    });

    const d = await diagnose(gitlab, ids.projects.app, job.id);

    // The URL is read past the match: the match's own masking never saw it.
    expect(d.patternId).toBe('repo-access-denied');
    expect(d.resource?.name).toBe(
      'https://gitlab.example.org/platform/shared.git?private_token=[MASKED]',
    );
    expect(JSON.stringify(d)).not.toContain(token);
    // The lines past the match come from the log the classifier read, not a second download.
    const traces = sim?.requests.filter((r) => r.path.endsWith(`/jobs/${job.id}/trace`)) ?? [];
    expect(traces).toHaveLength(1);
  });
});

describe('what is not an allowlist problem', () => {
  it('a clone from another host says so, with no allowlist talk', async () => {
    const { world, ids, gitlab } = await setup();
    const job = runJob(world, ids.projects.app, ids.users.alice, {
      name: 'vendor',
      script: ['git clone https://github.com/acme/private-tool.git'],
      scriptOutput: [
        "Cloning into 'private-tool'...",
        "fatal: could not read Username for 'https://github.com': No such device or address",
      ],
      exitCode: 128,
    });

    const d = await diagnose(gitlab, ids.projects.app, job.id);

    expect(d).toMatchObject({ patternId: 'repo-access-denied', verdict: 'not-instance-registry' });
    const body = note(d);
    expect(body).toContain('It points to `github.com`, not to this GitLab');
    expect(body).toContain('CI_JOB_TOKEN is only accepted by this GitLab');
    expect(body).not.toMatch(/allowlist of|job_token_scope/);
  });

  it('a project in a URL variable the log does not expand is unverifiable', async () => {
    const { world, ids, gitlab } = await setup();
    const job = runJob(world, ids.projects.app, ids.users.alice, {
      name: 'publish',
      script: [
        'curl --silent --header "JOB-TOKEN: $CI_JOB_TOKEN" "${CI_API_V4_URL}/projects/${TARGET_ID}/releases"',
      ],
      scriptOutput: ['{"message":"403 Forbidden"}'],
      exitCode: 1,
    });

    const d = await diagnose(gitlab, ids.projects.app, job.id);

    expect(d).toMatchObject({ patternId: 'api-access-denied', verdict: 'unverifiable' });
    expect(factText(d.checks[0]?.detail ?? '')).toBe(
      'The URL names the project with ${TARGET_ID}, whose value the log does not show.',
    );
  });
});

describe('trust: the log only says which project; the API decides', () => {
  it('lowers confidence when the names GitLab printed disagree with the URL', async () => {
    const { world, ids, platform, gitlab } = await setup();
    const job = runJob(world, ids.projects.app, ids.users.alice, {
      name: 'evil',
      script: ['./print.sh'],
      scriptOutput: [
        `Submodule 'x' (https://gitlab.example.org/platform/shared.git) registered for path 'x'`,
        'remote: Authentication by CI/CD job token not allowed from other-app to secrets.',
        "fatal: unable to access 'https://gitlab.example.org/platform/shared.git/': The requested URL returned error: 403",
      ],
      exitCode: 1,
    });

    const d = await diagnose(gitlab, ids.projects.app, job.id);

    // B comes from the URL (looked up through the API), A from the job.
    expect(d).toMatchObject({
      verdict: 'allowlist-missing',
      confidence: 'suspected',
      project: { id: ids.projects.app },
      target: { id: platform.shared },
      fix: {
        kind: 'allowlist-add',
        source: { id: ids.projects.app },
        target: { id: platform.shared },
      },
      evidence: { runnerPrefix: false },
    });
    expect(d.checks.filter((c) => c.check === 'evidence').map((c) => factText(c.detail))).toEqual([
      'The log says the request came from other-app, but the job belongs to team/app.',
      'The log names the target secrets, but the URL points to platform/shared.',
    ]);
  });

  it('finds the project behind the instance-level npm endpoint in the scope group’s packages', async () => {
    const { world, ids, platform, gitlab } = await setup();
    const job = runJob(world, ids.projects.app, ids.users.alice, {
      name: 'test',
      tokenSteps: [{ kind: 'npm-install', package: '@platform/ui-kit' }],
    });

    const d = await diagnose(gitlab, ids.projects.app, job.id);

    expect(d).toMatchObject({
      verdict: 'allowlist-missing',
      // Checked through the API, but the evidence is not the runner's: most likely.
      confidence: 'suspected',
      target: { id: platform.uiKit },
      resource: { kind: 'package', name: '@platform/ui-kit' },
    });
    expect(d.checks.map((c) => [c.check, c.result])).toContainEqual(['package', 'pass']);
  });

  it('guesses the project, and says so, when the package list cannot be read', async () => {
    const { world, ids, platform, gitlab } = await setup();
    const job = runJob(world, ids.projects.app, ids.users.alice, {
      name: 'test',
      tokenSteps: [{ kind: 'npm-install', package: '@platform/ui-kit' }],
    });
    const blind: GitlabPort = {
      ...gitlab,
      listPackages: () => Promise.reject(new GitlabNotFoundError('packages: not found')),
    };

    const d = await diagnose(blind, ids.projects.app, job.id);

    expect(d).toMatchObject({
      verdict: 'allowlist-missing',
      confidence: 'suspected',
      target: { id: platform.uiKit },
    });
    expect(d.checks[0]).toMatchObject({ check: 'target', result: 'unknown' });
  });

  it('says the package does not exist when the project lets the job in but has no such package', async () => {
    const { world, ids, platform, gitlab } = await setup();
    world.allowlistProject(platform.uiKit, ids.projects.app);
    const job = runJob(world, ids.projects.app, ids.users.alice, {
      name: 'test',
      tokenSteps: [
        { kind: 'npm-install', package: '@platform/ui-kitt', registryProject: 'platform/ui-kit' },
      ],
    });

    const d = await diagnose(gitlab, ids.projects.app, job.id);

    expect(d).toMatchObject({ verdict: 'resource-not-found', target: { id: platform.uiKit } });
    const body = renderNote([{ incidentId: 1, diagnosis: d, jobs: [] }], {
      gitlabUrl: gitlab.baseUrl,
      now: new Date(),
    });
    expect(body).toContain('has no package `@platform/ui-kitt`');
    // The allowlist was checked and is fine: no change to it is proposed.
    expect(body).not.toContain('job_token_scope/allowlist');
    expect(body).not.toContain('Accept with one click');
  });
});

describe('version-aware advice', () => {
  it.each([
    ['16.2.0', ['**Token Access**', 'Allow access to this project with a CI_JOB_TOKEN']],
    ['17.5.0', ['**Job token permissions**', '**Authorized groups and projects**']],
    [
      '17.8.0',
      [
        'Enable and enforce job token allowlist for all projects',
        'it changes nothing for this project',
      ],
    ],
    [
      '18.1.0',
      [
        'the **All groups and projects** choice is not offered while it is enforced',
        'turned on by the 18.0 upgrade',
      ],
    ],
  ])('GitLab %s', async (version, phrases) => {
    const { world, ids, gitlab } = await setup({ version });
    const job = runJob(world, ids.projects.app, ids.users.alice, {
      name: 'build',
      submodules: [{ path: 'libs/shared', project: 'platform/shared' }],
    });

    const d = await diagnose(gitlab, ids.projects.app, job.id, version);

    expect(d.verdict).toBe('allowlist-missing');
    const body = note(d);
    for (const phrase of phrases) expect(body).toContain(phrase);
  });
});
