import { describe, expect, it } from 'vitest';
import { createWorld, runSeedPipeline, seedStoryWorld } from '../../src/simulator/index.js';
import type { JobSpec } from '../../src/simulator/index.js';

/** What the job page shows: ANSI codes and section markers removed. */
function rendered(log: string): string {
  return log
    .replace(/\x1b\[0K(?:section_(?:start|end):\d+:[\w.-]+(?:\[[^\]]*\])?\r\x1b\[0K)?/g, '')
    .replace(/\x1b\[[0-9;]*m/g, '');
}

const SEED_IMAGE = 'gitlab-registry.example.org/containers/poetry/python3.11/rockylinux9';
const DENIED = `Error response from daemon: pull access denied for ${SEED_IMAGE}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied (manager.go:237:0s)`;

function seedJob() {
  const { world, ids } = seedStoryWorld();
  const pipeline = runSeedPipeline(world, ids);
  const [job] = world.jobsOf(pipeline.id);
  if (!job) throw new Error('no job');
  return { world, ids, pipeline, job };
}

function runOne(spec: Partial<JobSpec>) {
  const { world, ids } = seedStoryWorld();
  world.allowlistProject(ids.projects.poetry, ids.projects.app);
  const pipeline = world.runPipeline({
    projectId: ids.projects.app,
    ref: 'main',
    userId: ids.users.alice,
    jobs: [{ name: 'job', image: ids.image, script: ['make'], ...spec }],
  });
  const [job] = world.jobsOf(pipeline.id);
  if (!job) throw new Error('no job');
  return job;
}

describe('docker executor log', () => {
  it('reproduces the seed story log for the denied pull', () => {
    const { job } = seedJob();

    expect(rendered(job.log).split('\n')).toEqual([
      'Running with gitlab-runner 17.5.3 (12030cf4)',
      '  on shared-docker-runner t3_xY9zQk2m, system ID: s_4b5c6d7e8f90',
      'Preparing the "docker" executor',
      `Using Docker executor with image ${SEED_IMAGE}:1.5 ...`,
      'Authenticating with credentials from job payload (GitLab Registry)',
      `Pulling docker image ${SEED_IMAGE}:1.5 ...`,
      `WARNING: Failed to pull image with policy "always": ${DENIED}`,
      `ERROR: Job failed: failed to pull image "${SEED_IMAGE}:1.5" with specified policies [always]: ${DENIED}`,
      '',
    ]);
    expect(job).toMatchObject({ status: 'failed', failureReason: 'runner_system_failure' });
  });

  it('writes GitLab Runner section markers, colours and \\n line ends', () => {
    const { job } = seedJob();

    expect(job.log).toMatch(/^\x1b\[0KRunning with gitlab-runner 17\.5\.3 \(12030cf4\)\x1b\[0;m\n/);
    expect(job.log).toMatch(
      /\n\x1b\[0Ksection_start:\d{10}:prepare_executor\r\x1b\[0K\x1b\[0K\x1b\[36;1mPreparing the "docker" executor\x1b\[0;m\x1b\[0;m\n/,
    );
    expect(job.log).toMatch(/\n\x1b\[0;33mWARNING: Failed to pull image/);
    expect(job.log).toMatch(
      /\n\x1b\[0Ksection_end:\d{10}:prepare_executor\r\x1b\[0K\x1b\[31;1mERROR: Job failed: /,
    );
    expect(job.log.endsWith('\x1b[0;m\n')).toBe(true);
    expect(job.log).not.toContain('\r\n');
  });

  it('runs the script after a successful pull', () => {
    const job = runOne({ script: ['poetry build'], scriptOutput: ['Built app-0.1.0.tar.gz'] });

    const lines = rendered(job.log).split('\n');
    expect(lines).toContain(`Pulling docker image ${SEED_IMAGE}:1.5 ...`);
    expect(
      lines.some((l) =>
        /^Using docker image sha256:[0-9a-f]{64} for .* with digest .*@sha256:[0-9a-f]{64} \.\.\.$/.test(
          l,
        ),
      ),
    ).toBe(true);
    expect(lines).toContain('Fetching changes with git depth set to 20...');
    expect(
      lines.some((l) =>
        /^Checking out [0-9a-f]{8} as detached HEAD \(ref is main\)\.\.\.$/.test(l),
      ),
    ).toBe(true);
    expect(lines).toContain('Executing "step_script" stage of the job script');
    expect(lines).toContain('$ poetry build');
    expect(lines).toContain('Built app-0.1.0.tar.gz');
    expect(lines.at(-2)).toBe('Job succeeded');
    expect(job.log).toContain('\x1b[32;1m$ poetry build\x1b[0;m\n');
    for (const section of [
      'prepare_script',
      'get_sources',
      'step_script',
      'cleanup_file_variables',
    ]) {
      expect(job.log).toContain(`:${section}\r`);
    }
    expect(job.status).toBe('success');
  });

  it('fails with the exit code when the script fails', () => {
    const job = runOne({ exitCode: 2 });

    expect(rendered(job.log).split('\n').at(-2)).toBe('ERROR: Job failed: exit code 2');
    expect(job).toMatchObject({ status: 'failed', failureReason: 'script_failure' });
  });

  it('pulls services first and stops at the first failure', () => {
    const job = runOne({ services: ['postgres:16'] });

    const lines = rendered(job.log).split('\n');
    expect(lines).toContain('Starting service postgres:16 ...');
    expect(lines.at(-2)).toContain('ERROR: Job failed: failed to pull image "postgres:16"');
    expect(lines.join('\n')).not.toContain(`Pulling docker image ${SEED_IMAGE}`);
  });

  it('prints manifest unknown for a missing tag', () => {
    const job = runOne({ image: `${SEED_IMAGE}:9.9` });

    expect(rendered(job.log)).toContain(
      `ERROR: Job failed: failed to pull image "${SEED_IMAGE}:9.9" with specified policies [always]: Error response from daemon: manifest for ${SEED_IMAGE}:9.9 not found: manifest unknown: manifest unknown (manager.go:237:0s)`,
    );
  });

  it('is deterministic apart from ids and times', () => {
    const a = seedJob().job.log.replace(/\d{10}/g, 'T');
    const b = seedJob().job.log.replace(/\d{10}/g, 'T');

    expect(a).toBe(b);
  });
});

describe('kubernetes executor log', () => {
  it('uses the containerd wording for a refused job token', () => {
    const { world, ids } = seedStoryWorld();
    const pipeline = world.runPipeline({
      projectId: ids.projects.app,
      ref: 'main',
      userId: ids.users.alice,
      jobs: [{ name: 'k8s', image: ids.image, executor: 'kubernetes' }],
    });
    const log = rendered(world.jobsOf(pipeline.id)[0]?.log ?? '');

    const ref = `${SEED_IMAGE}:1.5`;
    const rpc = `rpc error: code = Unknown desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://gitlab.example.org/jwt/auth?scope=repository%3Acontainers%2Fpoetry%2Fpython3.11%2Frockylinux9%3Apull&service=container_registry: 403 Forbidden`;
    expect(log).toContain('Preparing the "kubernetes" executor');
    expect(log).toContain(`Failed to pull image "${ref}": ${rpc}`);
    expect(log).toContain(
      `ERROR: Job failed: prepare environment: waiting for pod running: pulling image "${ref}": image pull failed: `,
    );
  });

  it('uses containerd names for Docker Hub images', () => {
    const job = runOne({ image: 'nosuchorg/tool:1', executor: 'kubernetes' });

    expect(rendered(job.log)).toContain(
      'failed to resolve reference "docker.io/nosuchorg/tool:1": pull access denied, repository does not exist or may require authorization',
    );
  });
});

describe('FF_TIMESTAMPS', () => {
  it('prefixes every line with an RFC3339 microsecond timestamp and stream', () => {
    const job = runOne({ timestamps: true });

    const lines = job.log.split('\n').slice(0, -1);
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) {
      expect(line).toMatch(
        /^\d{4}-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-5]\d\.\d{6}Z [0-9a-f]{2}[EO][+ ]/,
      );
    }
    expect(
      rendered(job.log.replace(/^.{32}/gm, ''))
        .split('\n')
        .at(-2),
    ).toBe('Job succeeded');
  });
});

describe('job timing', () => {
  it('never puts timestamps in the future of the world clock', () => {
    const now = new Date('2025-05-12T09:14:20.000Z');
    const world = createWorld({ now: () => now });
    const user = world.addUser({ username: 'u' });
    const group = world.addGroup({ path: 'g' });
    const project = world.addProject({ path: 'p', namespaceId: group.id });
    world.addDockerHubImage('alpine', ['latest']);

    const pipeline = world.runPipeline({
      projectId: project.id,
      ref: 'main',
      userId: user.id,
      jobs: [{ name: 'j', image: 'alpine' }],
    });
    const [job] = world.jobsOf(pipeline.id);

    expect(job?.finishedAt).toEqual(now);
    expect(job && job.startedAt && job.startedAt < now).toBe(true);
    const stamps = [...(job?.log ?? '').matchAll(/section_(?:start|end):(?<t>\d+):/g)].map((m) =>
      Number(m.groups?.t),
    );
    expect(stamps.length).toBeGreaterThan(0);
    for (const t of stamps) {
      expect(t).toBeGreaterThanOrEqual(Math.floor((job?.startedAt?.getTime() ?? 0) / 1000));
      expect(t).toBeLessThanOrEqual(Math.floor(now.getTime() / 1000));
    }
  });
});
