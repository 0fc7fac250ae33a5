import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { startHarness, type Harness } from '../helpers/bot-harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

describe('the poller', () => {
  it('never runs two cycles at once', async () => {
    h = await startHarness({ botRole: 40 });
    h.runSeed();
    const bot = h.startBot();

    const [a, b] = await Promise.all([bot.poller.runCycle(), bot.poller.runCycle()]);

    expect([a.skipped, b.skipped]).toContain('overlap');
    expect(h.botNotes()).toHaveLength(1);
  });

  it('reports a refused token once, naming what to check', async () => {
    h = await startHarness({ botRole: 40 });
    h.runSeed();
    const bot = h.startBot({ gitlabToken: 'glpat-not-a-valid-token-000' });

    const report = await bot.poller.runCycle();

    expect(report.problems).toEqual([
      {
        where: 'GitLab',
        message: expect.stringContaining('GitLab refused the token (401)'),
      },
    ]);
    expect(report.problems[0]?.message).toContain('check GITLAB_TOKEN');
    expect(report.problems[0]?.message).not.toContain('glpat-not-a-valid-token-000');
  });

  it('diagnoses a huge log from its head and tail without failing the cycle', async () => {
    h = await startHarness({ botRole: 40 });
    const noise = Array.from(
      { length: 120_000 },
      (_, i) => `step ${i}: compiling module ${i} \u00e9\u00ff ok`,
    );
    h.world.runPipeline({
      projectId: h.ids.projects.app,
      ref: 'refs/merge-requests/1/head',
      userId: h.ids.users.alice,
      jobs: [
        {
          name: 'build',
          image: 'alpine:latest',
          script: ['make'],
          scriptOutput: [
            ...noise,
            'cp: error writing /builds/team/app/out.bin: No space left on device',
          ],
          exitCode: 2,
        },
      ],
    });
    const bot = h.startBot({ maxLogBytes: 256 * 1024 });

    const report = await bot.poller.runCycle();

    expect(report.outcomes).toMatchObject([{ patternId: 'disk-full', verdict: 'log-only' }]);
  });
});

describe('pipeline-diagnoser once', () => {
  it('runs one cycle as a Reporter-only bot and says what it could not verify', async () => {
    h = await startHarness();
    h.runSeed();
    const env = {
      GITLAB_URL: h.sim.url,
      GITLAB_TOKEN: h.ids.tokens.bot,
      DIAGNOSER_DB: `${h.dbPath}.once`,
      DIAGNOSER_WATCH_PROJECTS: 'team/app',
      DIAGNOSER_CONFIG: undefined,
      LOG_LEVEL: 'fatal',
    };

    const result = await runCli(['once'], env);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('1 new failed job(s)');
    expect(result.stdout).toMatch(
      /registry-pull-denied → allowlist-missing \(incident #1\), note created/,
    );
    const note = h.botNotes()[0]?.body ?? '';
    expect(note).toContain(
      'The bot cannot read the CI/CD job token settings of `containers/poetry`',
    );
    expect(note).toContain('needs the Maintainer role there');
    expect(note).toContain('suspected');
  });
});

describe('pipeline-diagnoser diagnose', () => {
  it('prints the verdict and the comment for a job URL, and posts it with --post', async () => {
    h = await startHarness({ botRole: 40 });
    const pipeline = h.runSeed();
    const job = h.world.jobsOf(pipeline.id)[0];
    const env = {
      GITLAB_URL: h.sim.url,
      GITLAB_TOKEN: h.ids.tokens.bot,
      DIAGNOSER_DB: `${h.dbPath}.cli`,
      DIAGNOSER_CONFIG: undefined,
    };
    const url = `https://gitlab.example.org/team/app/-/jobs/${job?.id}`;

    const dry = await runCli(['diagnose', url], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('registry-pull-denied → allowlist-missing (verified)');
    expect(dry.stdout).toContain('is not on the CI/CD job token allowlist of');
    expect(h.botNotes()).toEqual([]);

    const posted = await runCli(['diagnose', 'team/app', String(job?.id), '--post'], env);
    expect(posted.code).toBe(0);
    expect(posted.stdout).toMatch(
      /note created: https:\/\/gitlab\.example\.org\/team\/app\/-\/merge_requests\/1#note_\d+/,
    );
    expect(h.botNotes()).toHaveLength(1);
    expect(posted.stdout + posted.stderr).not.toContain(h.ids.tokens.bot);
  });

  it('explains how to name a job when the argument is not one', async () => {
    h = await startHarness();

    const result = await runCli(['diagnose', 'not-a-job'], {
      GITLAB_URL: h.sim.url,
      GITLAB_TOKEN: h.ids.tokens.bot,
    });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Name the job by its URL');
  });
});
