import { Gitlab } from '@gitbeaker/rest';
import { afterEach, describe, expect, it } from 'vitest';
import { NOTE_MARKER } from '../../src/render/comment.js';
import { startHarness, type Harness } from '../helpers/bot-harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

describe('the seed story: an image of another project behind its job token allowlist', () => {
  it('comments allowlist-missing on the merge request, and the REST call it gives makes the job pass', async () => {
    h = await startHarness({ botRole: 40 });
    const pipeline = h.runSeed();
    const bot = h.startBot();

    const report = await bot.poller.runCycle();

    expect(report.outcomes).toMatchObject([
      { status: 'noted', patternId: 'registry-pull-denied', verdict: 'allowlist-missing' },
    ]);
    const notes = h.botNotes();
    expect(notes).toHaveLength(1);
    const body = notes[0]?.body ?? '';
    expect(body).toContain(NOTE_MARKER);
    expect(body).toContain(
      '`team/app` is not on the CI/CD job token allowlist of `containers/poetry`',
    );
    expect(body).toContain('**Job token permissions**');
    expect(body).toContain('Maintainer or Owner of `containers/poetry`');
    expect(h.world.quickActionsRun).toEqual([]);
    expect(body.split('\n').some((line) => line.startsWith('/'))).toBe(false);

    // Apply the note's REST call as bob, the Maintainer of containers/poetry, then retry.
    const call =
      /--data "target_project_id=(?<source>\d+)"[^\n]*\n\s*"[^"]*\/api\/v4\/projects\/(?<target>\d+)\/job_token_scope\/allowlist"/.exec(
        body,
      );
    expect(call?.groups).toEqual({
      source: String(h.ids.projects.app),
      target: String(h.ids.projects.poetry),
    });
    // GitLab lets bob add team/app only if he can see it.
    h.world.addMember(h.ids.projects.app, h.ids.users.bob, 10);
    const bob = new Gitlab({ host: h.sim.url, token: h.ids.tokens.bob });
    await bob.ProjectJobTokenScopes.addToInboundAllowList(
      Number(call?.groups?.target),
      Number(call?.groups?.source),
    );
    const failed = h.world.jobsOf(pipeline.id)[0];
    const alice = new Gitlab({ host: h.sim.url, token: h.ids.tokens.alice });
    const retried = await alice.Jobs.retry(h.ids.projects.app, failed?.id ?? 0);

    expect(retried.status).toBe('success');
    expect(h.world.pipeline(pipeline.id)?.status).toBe('success');
  });

  it('concludes allowlist-missing by elimination when the bot may not read the allowlist', async () => {
    h = await startHarness();
    h.runSeed();
    const bot = h.startBot();

    const report = await bot.poller.runCycle();

    expect(report.outcomes[0]).toMatchObject({ verdict: 'allowlist-missing' });
    const incident = bot.store.incidents.listIncidents()[0];
    expect(incident?.checks.map((c) => [c.check, c.result])).toContainEqual([
      'job-token',
      'unknown',
    ]);
    const body = h.botNotes()[0]?.body ?? '';
    expect(body).toContain('needs the Maintainer role there');
    expect(body).toContain('suspected');
  });

  it('says the user lacks access when the one who ran the pipeline may not read the image project, and allowlisting alone does not help', async () => {
    h = await startHarness({ botRole: 40 });
    // carol maintains team/app and sees containers/poetry as a Guest, who may not pull.
    h.world.addMember(h.ids.projects.poetry, h.ids.users.carol, 10);
    const pipeline = h.runOnMergeRequest(
      [{ name: 'build-app', image: h.ids.image, script: ['poetry build'] }],
      h.ids.users.carol,
    );
    const bot = h.startBot();

    const report = await bot.poller.runCycle();

    expect(report.outcomes[0]).toMatchObject({ verdict: 'user-lacks-access' });
    expect(h.botNotes()[0]?.body).toContain('would not fix it');
    h.world.allowlistProject(h.ids.projects.poetry, h.ids.projects.app);
    const failed = h.world.jobsOf(pipeline.id)[0];
    expect(h.world.retryJob(h.ids.projects.app, failed?.id ?? 0, h.ids.users.carol).status).toBe(
      'failed',
    );
  });

  it('lists the existing tags when the tag does not exist', async () => {
    h = await startHarness({ botRole: 40 });
    h.world.allowlistProject(h.ids.projects.poetry, h.ids.projects.app);
    h.runOnMergeRequest([
      { name: 'build-app', image: h.ids.image.replace(':1.5', ':1.6'), script: ['poetry build'] },
    ]);
    const bot = h.startBot();

    const report = await bot.poller.runCycle();

    expect(report.outcomes[0]).toMatchObject({
      patternId: 'image-not-found',
      verdict: 'tag-not-found',
    });
    // containers/poetry is private: its tags are for its members to list.
    const body = h.botNotes()[0]?.body ?? '';
    expect(body).toContain(
      'Use a tag that exists in `containers/poetry` (its members can list them)',
    );
    expect(body).not.toContain('`1.5.1`');
  });

  it('does not treat an image on Docker Hub as a GitLab setting', async () => {
    h = await startHarness({ botRole: 40 });
    h.runOnMergeRequest([
      { name: 'deploy', image: 'deployphp/deployer:7', script: ['dep deploy'] },
    ]);
    const bot = h.startBot();

    const report = await bot.poller.runCycle();

    expect(report.outcomes[0]).toMatchObject({
      patternId: 'registry-pull-denied',
      verdict: 'not-instance-registry',
    });
    const body = h.botNotes()[0]?.body ?? '';
    expect(body).not.toContain('allowlist');
    expect(body).toContain('not on this GitLab');
  });

  it('makes one note, not several, for several failed jobs of one pipeline', async () => {
    h = await startHarness({ botRole: 40 });
    h.runOnMergeRequest([
      { name: 'build-app', image: h.ids.image, script: ['poetry build'] },
      { name: 'test-app', image: h.ids.image, script: ['poetry run pytest'] },
      { name: 'lint', image: 'deployphp/deployer:7', script: ['dep lint'] },
    ]);
    const bot = h.startBot();

    const report = await bot.poller.runCycle();

    expect(report.outcomes).toHaveLength(3);
    expect(h.botNotes()).toHaveLength(1);
    const body = h.botNotes()[0]?.body ?? '';
    expect(body).toContain('2 causes found');
    expect(body).toContain('[build\\-app]');
    expect(body).toContain('[test\\-app]');
    expect(
      bot.store.incidents
        .listIncidents()
        .map((i) => i.occurrences)
        .sort(),
    ).toEqual([1, 2]);
  });

  it('comments on the commit when a branch pipeline has no merge request', async () => {
    h = await startHarness({ botRole: 40 });
    const pipeline = h.runSeedOnMain();
    const bot = h.startBot();

    await bot.poller.runCycle();

    const discussions = h.world.commitDiscussions(h.ids.projects.app, pipeline.sha);
    expect(discussions).toHaveLength(1);
    expect(discussions[0]?.notes[0]?.body).toContain('allowlist');
    expect(h.botNotes()).toEqual([]);
  });

  it('offers no change from a denial printed by the script: most likely, manual steps only', async () => {
    h = await startHarness({ botRole: 40 });
    h.runOnMergeRequest([
      {
        name: 'evil',
        image: 'alpine:latest',
        script: ['./print-fake-error.sh'],
        scriptOutput: [
          'section_end:1715505246:step_script\r\x1b[0K\x1b[0Ksection_start:1715505246:prepare_executor\r\x1b[0KPreparing the "docker" executor',
          `WARNING: Failed to pull image with policy "always": Error response from daemon: pull access denied for ${h.ids.image.replace(':1.5', '')}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied (manager.go:237:0s)`,
        ],
        exitCode: 1,
      },
    ]);
    const bot = h.startBot();

    await bot.poller.runCycle();

    const incident = bot.store.incidents.listIncidents()[0];
    expect(incident?.evidence).toMatchObject({ runnerPrefix: false, runnerWritten: false });
    expect(incident?.diagnosis).toMatchObject({ confidence: 'suspected' });
    const body = h.botNotes()[0]?.body ?? '';
    expect(body).not.toContain('Accept with one click');
    expect(body).toContain('most likely');
    expect(body).toContain('printed while the job’s script ran');
  });
});
