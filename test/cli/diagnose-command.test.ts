import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJobReference } from '../../src/cli/diagnose-command.js';
import { CliExit } from '../../src/cli/exit.js';
import {
  runSeedPipeline,
  seedStoryWorld,
  startSimulator,
  type SeedIds,
  type Simulator,
} from '../../src/simulator/index.js';
import { runCli } from './run-cli.js';

describe('parseJobReference', () => {
  const base = 'https://git.example.org/gitlab';

  it('reads a job URL under the configured GitLab, relative root included', () => {
    expect(
      parseJobReference(
        'https://git.example.org/gitlab/team/sub/app/-/jobs/42?x=1',
        undefined,
        base,
      ),
    ).toEqual({ projectPath: 'team/sub/app', jobId: 42 });
    expect(parseJobReference('team/app', '7', base)).toEqual({ projectPath: 'team/app', jobId: 7 });
  });

  it('reads a URL on another address as host and path, to be checked against GitLab', () => {
    expect(parseJobReference('https://gitlab.com/team/app/-/jobs/42', undefined, base)).toEqual({
      projectPath: 'team/app',
      jobId: 42,
      projectUrl: 'https://gitlab.com/team/app',
    });
  });

  it('says how to name a job when the reference is neither form', () => {
    expect(() => parseJobReference('team/app', undefined, base)).toThrow(/Name the job by its URL/);
    expect(() => parseJobReference('https://gitlab.com/-/jobs/4', undefined, base)).toThrow(
      CliExit,
    );
  });
});

describe('pipeline-diagnoser diagnose', () => {
  let sim: Simulator;
  let ids: SeedIds;
  let dir: string;
  let jobId: number;

  beforeAll(async () => {
    const seeded = seedStoryWorld();
    ids = seeded.ids;
    const pipeline = runSeedPipeline(seeded.world, ids);
    jobId = seeded.world.jobsOf(pipeline.id).find((j) => j.status === 'failed')?.id ?? 0;
    sim = await startSimulator({ world: seeded.world });
    dir = mkdtempSync(join(tmpdir(), 'diagnoser-diagnose-'));
  });

  afterAll(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = () => ({
    GITLAB_URL: sim.url,
    GITLAB_TOKEN: ids.tokens.bot,
    DIAGNOSER_DB: join(dir, 'diagnoser.db'),
    DIAGNOSER_WATCH_PROJECTS: 'team/app',
    LOG_LEVEL: 'error',
  });

  it('prints the verdict and the comment for a job given by its URL, and writes nothing', async () => {
    const before = sim.requests.length;
    const { code, stdout } = await runCli(
      ['diagnose', `${sim.url}/team/app/-/jobs/${jobId}`],
      env(),
    );

    expect(code).toBe(0);
    expect(stdout).toContain(`Job ${jobId} (`);
    expect(stdout).toMatch(/registry-pull-denied|image-pull-failed/);
    expect(stdout).toContain('allowlist');
    const writes = sim.requests.slice(before).filter((r) => r.method !== 'GET');
    expect(writes.filter((r) => !r.path.endsWith('/graphql'))).toEqual([]);
  });

  it('exits 2 with the reason for a job URL on another GitLab, reading nothing of the job', async () => {
    const before = sim.requests.length;
    const { code, stderr } = await runCli(
      ['diagnose', `https://gitlab.com/team/app/-/jobs/${jobId}`],
      env(),
    );

    expect(code).toBe(2);
    expect(stderr).toContain('not on the GitLab the bot is set up for');
    expect(stderr).toContain('team/app is https://gitlab.example.org/team/app');
    const after = sim.requests.slice(before);
    expect(after.filter((r) => r.path.includes('/jobs/'))).toEqual([]);
    expect(after.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('exits 2 naming GITLAB_URL when the path is no project here', async () => {
    const { code, stderr } = await runCli(
      ['diagnose', `https://gitlab.com/someone/else/-/jobs/${jobId}`],
      env(),
    );

    expect(code).toBe(2);
    expect(stderr).toContain('The bot sees no project someone/else on');
  });
});
