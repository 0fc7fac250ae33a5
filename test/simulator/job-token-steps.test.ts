import { Gitlab } from '@gitbeaker/rest';
import { describe, expect, it } from 'vitest';
import { createLineCleaner } from '../../src/patterns/clean-log.js';
import {
  addPlatformProjects,
  seedStoryWorld,
  startSimulator,
  type JobSpec,
  type WorldInit,
} from '../../src/simulator/index.js';

/** The job page's lines, without colours, markers or timestamps. */
function lines(log: string): string[] {
  const out: string[] = [];
  const cleaner = createLineCleaner((l) => out.push(l.text));
  cleaner.write(log);
  cleaner.end();
  return out;
}

function scenario(init: WorldInit = {}) {
  const { world, ids } = seedStoryWorld(init);
  const platform = addPlatformProjects(world, ids);
  const run = (spec: Partial<JobSpec>, userId = ids.users.alice) => {
    const pipeline = world.runPipeline({
      projectId: ids.projects.app,
      ref: 'main',
      userId,
      jobs: [{ name: 'job', image: 'alpine:3.20', script: ['make'], ...spec }],
    });
    const job = world.jobsOf(pipeline.id)[0];
    if (!job) throw new Error('no job');
    return job;
  };
  return { world, ids, platform, run };
}

const SUBMODULE = { submodules: [{ path: 'libs/shared', project: 'platform/shared' }] };

describe('a submodule cloned by the runner with the job token', () => {
  it('is refused with the 17.4+ wording while team/app is not on the allowlist', () => {
    const { run } = scenario();

    const job = run(SUBMODULE);

    expect(job).toMatchObject({ status: 'failed', failureReason: 'script_failure' });
    const text = lines(job.log);
    expect(text).toContain(
      "Submodule 'libs/shared' (https://gitlab.example.org/platform/shared.git) registered for path 'libs/shared'",
    );
    expect(text).toContain(
      'remote: Authentication by CI/CD job token not allowed from app to shared.',
    );
    expect(text).toContain(
      "fatal: unable to access 'https://gitlab.example.org/platform/shared.git/': The requested URL returned error: 403",
    );
    expect(text).toContain("Failed to clone 'libs/shared' a second time, aborting");
    expect(text.at(-1)).toBe('ERROR: Job failed: exit code 1');
  });

  it('answers "not found" on GitLab before 17.4', () => {
    const { run } = scenario({ version: '16.11.0' });

    const text = lines(run(SUBMODULE).log);

    expect(text).toContain(
      "remote: The project you were looking for could not be found or you don't have permission to view it.",
    );
    expect(text).toContain(
      "fatal: repository 'https://gitlab-ci-token:[MASKED]@gitlab.example.org/platform/shared.git/' not found",
    );
  });

  it('says the user lacks access when the allowlist lets the project in', () => {
    const { world, ids, platform, run } = scenario();
    world.allowlistProject(platform.shared, ids.projects.app);

    const text = lines(run(SUBMODULE, ids.users.carol).log);

    expect(text).toContain(
      'remote: Insufficient permissions to pull from the repository of project shared.',
    );
  });

  it('clones, and the job passes, once the allowlist has the project (retry re-evaluates)', () => {
    const { world, ids, platform, run } = scenario();
    const failed = run(SUBMODULE);
    world.allowlistProject(platform.shared, ids.projects.app);

    const retried = world.retryJob(ids.projects.app, failed.id, ids.users.alice);

    expect(retried.status).toBe('success');
    expect(lines(retried.log)).toContain('Updated submodules');
  });
});

describe('npm install from a GitLab package registry', () => {
  const PROJECT_LEVEL = {
    tokenSteps: [
      {
        kind: 'npm-install' as const,
        package: '@platform/ui-kit',
        version: '2.1.0',
        registryProject: 'platform/ui-kit',
      },
    ],
  };

  it('gets E403 from the project-level endpoint, the URL naming the project id', () => {
    const { platform, run } = scenario();

    const job = run(PROJECT_LEVEL);

    expect(lines(job.log)).toContain(
      `npm error 403 403 Forbidden - GET https://gitlab.example.org/api/v4/projects/${platform.uiKit}/packages/npm/@platform%2fui-kit`,
    );
    expect(lines(job.log).at(-1)).toBe('ERROR: Job failed: exit code 1');
  });

  it('gets E404 before 17.4 (GitLab hides the project)', () => {
    const { run } = scenario({ version: '17.1.0' });

    const text = lines(run(PROJECT_LEVEL).log);

    expect(text).toContain('npm error code E404');
    expect(text).toContain("npm error 404  '@platform/ui-kit@2.1.0' is not in this registry.");
  });

  it('gets E403 from the instance-level endpoint, then installs once allowlisted', () => {
    const { world, ids, platform, run } = scenario();
    const failed = run({ tokenSteps: [{ kind: 'npm-install', package: '@platform/ui-kit' }] });
    expect(lines(failed.log)).toContain(
      'npm error 403 403 Forbidden - GET https://gitlab.example.org/api/v4/packages/npm/@platform%2fui-kit',
    );

    world.allowlistProject(platform.uiKit, ids.projects.app);
    const retried = world.retryJob(ids.projects.app, failed.id, ids.users.alice);

    expect(retried.status).toBe('success');
    expect(lines(retried.log)).toContain('added 1 package, and audited 2 packages in 2s');
  });
});

describe('needs:project artifacts', () => {
  const NEEDS = { needs: [{ project: 'platform/libs', job: 'build-lib', ref: 'main' }] };

  it('are refused by the runner helper, in its logrus format, naming only the job id', () => {
    const { platform, run } = scenario();

    const text = lines(run(NEEDS).log);

    expect(text).toContain(`Downloading artifacts for build-lib (${platform.libsJob.id})...`);
    expect(text).toContain(
      `ERROR: Downloading artifacts from coordinator... forbidden  host=gitlab.example.org id=${platform.libsJob.id} responseStatus=403 Forbidden status=403 Forbidden token=glcbt-64`,
    );
    expect(text).toContain('FATAL: permission denied');
  });

  it('download once allowlisted; a job with no successful upstream does not start', () => {
    const { world, ids, platform, run } = scenario();
    world.allowlistProject(platform.libs, ids.projects.app);

    expect(run(NEEDS).status).toBe('success');
    expect(
      run({ needs: [{ project: 'platform/libs', job: 'build-lib', ref: 'release' }] }),
    ).toMatchObject({ status: 'failed', failureReason: 'missing_dependency_failure', log: '' });
  });

  it('the pipeline config names the project (served as .gitlab-ci.yml)', async () => {
    const { world, ids, run } = scenario();
    const job = run(NEEDS);
    const sim = await startSimulator({ world });
    try {
      const api = new Gitlab({ host: sim.url, token: ids.tokens.bot });
      const pipeline = world.pipeline(job.pipelineId);

      const config = await api.RepositoryFiles.showRaw(
        ids.projects.app,
        '.gitlab-ci.yml',
        pipeline?.sha ?? '',
      );

      expect(String(config)).toContain('project: platform/libs');
      expect(sim.unhandled).toEqual([]);
    } finally {
      await sim.close();
    }
  });
});

describe('curl to the API with the job token', () => {
  const RELEASES = {
    tokenSteps: [{ kind: 'curl' as const, project: 'platform/config', endpoint: 'releases' }],
  };

  it("is a 403 that curl --fail-with-body reports with GitLab's body, the URL only on the command line", () => {
    const { run } = scenario();

    const text = lines(run(RELEASES).log);

    expect(text).toContain(
      '$ curl --fail-with-body --silent --show-error --header "JOB-TOKEN: $CI_JOB_TOKEN" "https://gitlab.example.org/api/v4/projects/platform%2Fconfig/releases"',
    );
    expect(text).toContain('{"message":"403 Forbidden"}');
    expect(text).toContain('curl: (22) The requested URL returned error: 403');
  });

  it('is a 404 before 17.4, and for a user without a role', () => {
    const old = scenario({ version: '17.0.0' });
    expect(lines(old.run(RELEASES).log)).toContain(
      'curl: (22) The requested URL returned error: 404',
    );

    const { world, ids, platform, run } = scenario();
    world.allowlistProject(platform.config, ids.projects.app);
    expect(lines(run(RELEASES, ids.users.carol).log)).toContain(
      'curl: (22) The requested URL returned error: 404',
    );
    expect(run(RELEASES).status).toBe('success');
  });

  it('is ignored on endpoints that do not take job tokens (before 18.0)', () => {
    const { world, ids, platform, run } = scenario();
    world.allowlistProject(platform.config, ids.projects.app);

    const job = run({
      tokenSteps: [
        {
          kind: 'curl',
          project: platform.config,
          endpoint: 'repository/files/app.yml/raw?ref=main',
        },
      ],
    });

    expect(lines(job.log)).toContain('curl: (22) The requested URL returned error: 404');
  });
});

describe('git clone in the script', () => {
  it('shows the command with the unexpanded token variable, then git refusal', () => {
    const { run } = scenario();

    const job = run({ tokenSteps: [{ kind: 'git-clone', project: 'platform/shared' }] });

    const text = lines(job.log);
    expect(text).toContain(
      '$ git clone https://gitlab-ci-token:${CI_JOB_TOKEN}@gitlab.example.org/platform/shared.git',
    );
    expect(text).toContain(
      'remote: Authentication by CI/CD job token not allowed from app to shared.',
    );
    expect(text.at(-1)).toBe('ERROR: Job failed: exit code 128');
    expect(text).not.toContain('$ make');
  });
});
