import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/bot-harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

/**
 * Projects the log may have meant: a group whose display name is not its path, a subgroup,
 * and a private project the bot can see (it is a member) but alice, and readers of team/app's
 * merge requests, cannot.
 */
function addPlatform(harness: Harness) {
  const w = harness.world;
  const platform = w.addGroup({
    path: 'platform',
    name: 'Shared Build Images',
    visibility: 'public',
  });
  const ci = w.addGroup({
    path: 'ci',
    parentId: platform.id,
    name: 'Pipelines',
    visibility: 'public',
  });
  const base = w.addProject({
    path: 'base-images',
    name: 'Base Images',
    namespaceId: platform.id,
    visibility: 'internal',
  });
  w.addRegistryImage(base.id, 'alpine', ['3.20']);
  const runner = w.addProject({ path: 'runner-images', namespaceId: ci.id, visibility: 'public' });
  w.addRegistryImage(runner.id, 'runner', ['1.0']);
  const hidden = w.addProject({
    path: 'base-imagez',
    namespaceId: platform.id,
    visibility: 'private',
  });
  w.addMember(hidden, harness.ids.users.bot, 20);
}

/** The section of the note about one image. */
function sectionAbout(body: string, image: string): string {
  return body.split('\n#### ').find((s) => s.includes(`\`${image}`)) ?? '';
}

describe('project-not-found lists projects with a similar path that readers may see', () => {
  it('for a typo, a display name taken for the path and a left-out subgroup; never a private one', async () => {
    h = await startHarness();
    addPlatform(h);
    const host = h.world.registryHost;
    const images = {
      typo: `${host}/platform/base-imgaes/alpine`,
      displayName: `${host}/shared-build-images/base-images/alpine`,
      subgroup: `${host}/platform/runner-images/runner`,
    };
    h.world.runPipeline({
      projectId: h.ids.projects.app,
      ref: `refs/merge-requests/${h.ids.mergeRequest.iid}/head`,
      sha: h.ids.mergeRequest.sha,
      userId: h.ids.users.alice,
      source: 'merge_request_event',
      jobs: Object.entries(images).map(([name, image]) => ({
        name,
        stage: 'build',
        image: `${image}:3.20`,
        script: ['make'],
      })),
    });

    const report = await h.startBot().poller.runCycle();

    expect(report.outcomes.map((o) => o.verdict)).toEqual([
      'project-not-found',
      'project-not-found',
      'project-not-found',
    ]);
    const body = h.botNotes()[0]?.body ?? '';
    expect(sectionAbout(body, images.typo)).toContain(
      '(projects with a similar path: `platform/base-images`)',
    );
    // Same project path under the path of another group (seed's containers/base-images too).
    expect(sectionAbout(body, images.displayName)).toMatch(
      /\(projects with a similar path: [^)]*`platform\/base-images`/,
    );
    expect(sectionAbout(body, images.subgroup)).toContain(
      '(projects with a similar path: `platform/ci/runner-images`',
    );
    // Searched by path: the group's display name is never what the note lists.
    expect(body).not.toContain('Shared Build Images');
    // The bot sees platform/base-imagez, alice and the note's readers do not.
    expect(body).not.toContain('base-imagez');
    const searches = h.sim.requests.filter(
      (r) =>
        r.method === 'GET' && r.path.split('?')[0] === '/api/v4/projects' && 'search' in r.query,
    );
    expect(searches.length).toBeGreaterThan(0);
    expect(searches.every((r) => r.query.search_namespaces === 'true')).toBe(true);
  });

  it('for a repository URL the job cloned with its job token too', async () => {
    h = await startHarness();
    h.world.runPipeline({
      projectId: h.ids.projects.app,
      ref: `refs/merge-requests/${h.ids.mergeRequest.iid}/head`,
      userId: h.ids.users.alice,
      jobs: [
        {
          name: 'clone',
          image: 'alpine:3.20',
          script: ['make'],
          tokenSteps: [{ kind: 'git-clone', project: 'containers/base-imagse' }],
        },
      ],
    });

    const report = await h.startBot().poller.runCycle();

    expect(report.outcomes[0]).toMatchObject({
      patternId: 'repo-access-denied',
      verdict: 'project-not-found',
    });
    // containers/base-images is internal: every signed-in reader of team/app's notes sees it.
    expect(h.botNotes()[0]?.body).toContain(
      'Check the repository URL in the job for typos (projects with a similar path: `containers/base-images`)',
    );
  });

  it('lists no internal project on the merge request of a public project (read signed out)', async () => {
    h = await startHarness();
    const app = h.world.project(h.ids.projects.app);
    if (!app) throw new Error('no team/app');
    app.visibility = 'public';
    const image = `${h.world.registryHost}/containers/base-imgaes/alpine`;
    h.world.runPipeline({
      projectId: h.ids.projects.app,
      ref: `refs/merge-requests/${h.ids.mergeRequest.iid}/head`,
      userId: h.ids.users.alice,
      jobs: [{ name: 'build', image: `${image}:3.20`, script: ['make'] }],
    });

    await h.startBot().poller.runCycle();

    const body = h.botNotes()[0]?.body ?? '';
    expect(body).toContain('verdict `project-not-found`');
    // containers/base-images is internal: signed-out readers of a public project cannot see it.
    expect(body).not.toContain('containers/base-images');
    expect(body).not.toContain('projects with a similar path');
  });
});
