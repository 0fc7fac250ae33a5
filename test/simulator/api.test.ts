import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Gitlab, GitbeakerRequestError, GitbeakerTimeoutError } from '@gitbeaker/rest';
import { runSeedPipeline, seedStoryWorld, startSimulator } from '../../src/simulator/index.js';
import type { SeedIds, Simulator, World } from '../../src/simulator/index.js';

let sim: Simulator;
let world: World;
let ids: SeedIds;

beforeEach(async () => {
  ({ world, ids } = seedStoryWorld());
  sim = await startSimulator({ world });
});

afterEach(async () => {
  await sim.close();
});

function client(user: keyof SeedIds['tokens'], extra: { queryTimeout?: number } = {}) {
  return new Gitlab({ host: sim.url, token: ids.tokens[user], ...extra });
}

/** Status and API message of a rejected gitbeaker call. */
async function failure(
  promise: Promise<unknown>,
): Promise<{ status: number; description: string }> {
  const error = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GitbeakerRequestError);
  const cause = (error as GitbeakerRequestError).cause as {
    description: string;
    response: Response;
  };
  return { status: cause.response.status, description: cause.description };
}

function runPipelines(count: number): void {
  for (let i = 0; i < count; i += 1) runSeedPipeline(world, ids);
}

describe('authentication', () => {
  it('rejects a bad token with 401 and GitLab’s message', async () => {
    const api = new Gitlab({ host: sim.url, token: 'glpat-00000000000000000000' });

    expect(await failure(api.Users.showCurrentUser())).toEqual({
      status: 401,
      description: '401 Unauthorized',
    });
  });

  it('rejects a missing token and accepts a Bearer token', async () => {
    const missing = await fetch(`${sim.url}/api/v4/user`);
    const bearer = await fetch(`${sim.url}/api/v4/user`, {
      headers: { Authorization: `Bearer ${ids.tokens.bob}` },
    });

    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ message: '401 Unauthorized' });
    expect(await bearer.json()).toMatchObject({ username: 'bob' });
  });

  it('shows the current user, with is_admin only for admins', async () => {
    const bot = await client('bot').Users.showCurrentUser();
    const root = await client('root').Users.showCurrentUser();

    expect(bot).toMatchObject({
      id: ids.users.bot,
      username: 'diagnoser-bot',
      bot: true,
      state: 'active',
    });
    expect(bot).not.toHaveProperty('is_admin');
    expect(root).toMatchObject({ is_admin: true });
  });

  it('reports version and metadata', async () => {
    const metadata = await client('bot').Metadata.show();
    const version = await (
      await fetch(`${sim.url}/api/v4/version`, { headers: { 'PRIVATE-TOKEN': ids.tokens.bot } })
    ).json();

    expect(metadata).toMatchObject({ version: '17.5.0', enterprise: false });
    expect(version).toMatchObject({ version: '17.5.0', revision: expect.any(String) });
  });
});

describe('projects', () => {
  it('finds a project by path, case-insensitively, with registry prefix and permissions', async () => {
    const project = await client('alice').Projects.show('Containers/Poetry');

    expect(project).toMatchObject({
      id: ids.projects.poetry,
      path_with_namespace: 'containers/poetry',
      visibility: 'private',
      container_registry_access_level: 'enabled',
      container_registry_image_prefix: 'gitlab-registry.example.org/containers/poetry',
      namespace: { id: ids.groups.containers, kind: 'group', full_path: 'containers' },
      web_url: 'https://gitlab.example.org/containers/poetry',
      permissions: { project_access: { access_level: 20 }, group_access: null },
    });
  });

  it('hides projects the user cannot see behind 404 Project Not Found', async () => {
    expect(await failure(client('carol').Projects.show('containers/poetry'))).toEqual({
      status: 404,
      description: '404 Project Not Found',
    });
    expect((await failure(client('carol').Projects.show(ids.projects.poetry))).status).toBe(404);
  });

  it('lists member projects with min_access_level and simple', async () => {
    const projects = await client('alice').Projects.all({
      membership: true,
      minAccessLevel: 30,
      simple: true,
    });

    expect(projects.map((p) => p.path_with_namespace)).toEqual(['team/app']);
    expect(projects[0]).not.toHaveProperty('permissions');
  });

  it('lists group projects including subgroups', async () => {
    const projects = await client('root').Groups.allProjects('containers', {
      includeSubgroups: true,
    });

    expect(projects.map((p) => p.path).sort()).toEqual(['base-images', 'poetry']);
  });

  it('returns effective membership, or 404 Not found', async () => {
    const bob = await client('bot').ProjectMembers.show(ids.projects.poetry, ids.users.bob, {
      includeInherited: true,
    });

    expect(bob).toMatchObject({ id: ids.users.bob, username: 'bob', access_level: 40 });
    expect(
      await failure(
        client('bot').ProjectMembers.show(ids.projects.poetry, ids.users.carol, {
          includeInherited: true,
        }),
      ),
    ).toEqual({ status: 404, description: '404 Not found' });
  });
});

describe('jobs', () => {
  it('pages without totals and with a Link to the next page', async () => {
    runPipelines(3);

    const page = await client('bot').Jobs.all(ids.projects.app, {
      scope: 'failed',
      perPage: 2,
      page: 1,
      showExpanded: true,
    });

    expect(page.data.map((j) => j.id)).toEqual(
      world.jobs
        .map((j) => j.id)
        .sort((a, b) => b - a)
        .slice(0, 2),
    );
    expect(page.paginationInfo).toMatchObject({ next: 2, current: 1, perPage: 2, previous: null });
    expect(page.paginationInfo.total).toBeNaN();
    const response = await fetch(
      `${sim.url}/api/v4/projects/team%2Fapp/jobs?scope[]=failed&per_page=2`,
      { headers: { 'PRIVATE-TOKEN': ids.tokens.bot } },
    );
    expect(response.headers.get('x-total')).toBeNull();
    expect(response.headers.get('x-total-pages')).toBeNull();
    expect(response.headers.get('x-next-page')).toBe('2');
    expect(response.headers.get('x-prev-page')).toBe('');
    const link = response.headers.get('link') ?? '';
    expect(link).toContain(
      `<${sim.url}/api/v4/projects/team%2Fapp/jobs?page=2&per_page=2&scope%5B%5D=failed>; rel="next"`,
    );
    expect(link).toContain('rel="first"');
    expect(link).not.toContain('rel="last"');
  });

  it('follows Link headers when gitbeaker auto-paginates', async () => {
    runPipelines(3);

    const all = await client('bot').Jobs.all(ids.projects.app, { perPage: 2 });

    expect(all).toHaveLength(3);
    expect(sim.requests.filter((r) => r.path.endsWith('/jobs'))).toHaveLength(2);
  });

  it('validates scope values', async () => {
    const response = await fetch(
      `${sim.url}/api/v4/projects/${ids.projects.app}/jobs?scope=broken`,
      {
        headers: { 'PRIVATE-TOKEN': ids.tokens.bot },
      },
    );

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'scope does not have a valid value' });
  });

  it('serves the job entity and the raw trace', async () => {
    const pipeline = runSeedPipeline(world, ids);
    const [job] = world.jobsOf(pipeline.id);
    const api = client('bot');

    const shown = await api.Jobs.show(ids.projects.app, job?.id ?? 0);
    const trace = await api.Jobs.showLog(ids.projects.app, job?.id ?? 0);

    expect(shown).toMatchObject({
      id: job?.id,
      status: 'failed',
      stage: 'build',
      name: 'build-app',
      ref: 'refs/merge-requests/1/head',
      failure_reason: 'runner_system_failure',
      web_url: `https://gitlab.example.org/team/app/-/jobs/${job?.id}`,
      user: { id: ids.users.alice, username: 'alice' },
      commit: { id: ids.mergeRequest.sha, short_id: '9f2c1e7a' },
      pipeline: {
        id: pipeline.id,
        project_id: ids.projects.app,
        status: 'failed',
        source: 'merge_request_event',
      },
      project: { ci_job_token_scope_enabled: false },
    });
    expect(trace).toBe(job?.log);
    const raw = await fetch(
      `${sim.url}/api/v4/projects/${ids.projects.app}/jobs/${job?.id}/trace`,
      {
        headers: { 'PRIVATE-TOKEN': ids.tokens.bot },
      },
    );
    expect(raw.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(raw.headers.get('content-disposition')).toBe(`infile; filename="${job?.id}.log"`);
  });

  it('hides jobs of private projects from non-Reporters', async () => {
    runSeedPipeline(world, ids);
    const guest = world.addUser({ username: 'guest' });
    world.addMember(ids.projects.app, guest.id, 10);
    const api = new Gitlab({ host: sim.url, token: world.issueToken(guest.id) });

    expect(await failure(api.Jobs.all(ids.projects.app, { page: 1 }))).toEqual({
      status: 403,
      description: '403 Forbidden',
    });
  });
});

describe('seed story over the API', () => {
  it('fails with the pull-denied log and passes after allowlisting and a retry', async () => {
    const pipeline = runSeedPipeline(world, ids);
    const bot = client('bot');
    // bob maintains containers/poetry but cannot see team/app, so GitLab refuses his request
    // (read_project on the target is required); an admin can do it.
    const bob = client('bob');
    const root = client('root');
    const [failed] = await bot.Jobs.all(ids.projects.app, {
      scope: 'failed',
      perPage: 20,
      page: 1,
    });
    const log = await bot.Jobs.showLog(ids.projects.app, failed?.id ?? 0);
    expect(log).toContain(
      "pull access denied for gitlab-registry.example.org/containers/poetry/python3.11/rockylinux9, repository does not exist or may require 'docker login'",
    );

    const scope = await bob.ProjectJobTokenScopes.show('containers/poetry');
    const refused = await failure(
      bob.ProjectJobTokenScopes.addToInboundAllowList(ids.projects.poetry, ids.projects.app),
    );
    const added = await root.ProjectJobTokenScopes.addToInboundAllowList(
      ids.projects.poetry,
      ids.projects.app,
    );
    const retried = await client('alice').Jobs.retry(ids.projects.app, failed?.id ?? 0);

    expect(scope).toEqual({ inbound_enabled: true, outbound_enabled: false });
    expect(refused.status).toBe(400);
    expect(added).toEqual({
      source_project_id: ids.projects.poetry,
      target_project_id: ids.projects.app,
    });
    expect(retried).toMatchObject({
      status: 'success',
      name: 'build-app',
      user: { username: 'alice' },
    });
    expect(retried.id).toBeGreaterThan(failed?.id ?? 0);
    expect(await bot.Pipelines.show(ids.projects.app, pipeline.id)).toMatchObject({
      status: 'success',
    });
    const latest = await bot.Jobs.all(ids.projects.app, { pipelineId: pipeline.id });
    const withRetried = await bot.Jobs.all(ids.projects.app, {
      pipelineId: pipeline.id,
      includeRetried: true,
    });
    expect(latest.map((j) => j.id)).toEqual([retried.id]);
    expect(withRetried.map((j) => j.id)).toEqual([retried.id, failed?.id]);
    expect(await bob.ProjectJobTokenScopes.showInboundAllowList(ids.projects.poetry)).toEqual([
      expect.objectContaining({ id: ids.projects.app, path_with_namespace: 'team/app' }),
    ]);
  });

  it('passes after allowlisting in the world and retrying through the world', () => {
    const pipeline = runSeedPipeline(world, ids);
    const [failed] = world.jobsOf(pipeline.id);

    world.allowlistProject(ids.projects.poetry, ids.projects.app);

    expect(world.retryJob(ids.projects.app, failed?.id ?? 0, ids.users.alice).status).toBe(
      'success',
    );
  });

  it('refuses to retry a job that was already retried, and retries need Developer', async () => {
    const pipeline = runSeedPipeline(world, ids);
    const [failed] = world.jobsOf(pipeline.id);
    await client('alice').Jobs.retry(ids.projects.app, failed?.id ?? 0);

    expect(await failure(client('alice').Jobs.retry(ids.projects.app, failed?.id ?? 0))).toEqual({
      status: 403,
      description: '403 Forbidden - Job is not retryable',
    });
    const latest = world.jobsOf(pipeline.id)[0]?.id ?? 0;
    expect((await failure(client('bot').Jobs.retry(ids.projects.app, latest))).status).toBe(403);
  });
});

describe('job token scope API', () => {
  it('rejects a path id on POST with 400 id is invalid', async () => {
    expect(
      await failure(
        client('bob').ProjectJobTokenScopes.addToInboundAllowList(
          'containers/poetry',
          ids.projects.app,
        ),
      ),
    ).toEqual({ status: 400, description: 'id is invalid' });
  });

  it('forbids Reporters (403) and hides the project from strangers (404)', async () => {
    expect(await failure(client('bot').ProjectJobTokenScopes.show(ids.projects.poetry))).toEqual({
      status: 403,
      description: '403 Forbidden',
    });
    expect(
      (await failure(client('carol').ProjectJobTokenScopes.show(ids.projects.poetry))).status,
    ).toBe(404);
  });

  it('refuses unreadable targets, duplicates and unknown targets', async () => {
    const bob = client('bob');
    world.addMember(ids.projects.app, ids.users.bob, 10);
    const hidden = world.addProject({ path: 'secret', namespaceId: ids.groups.team });

    expect(
      await failure(
        bob.ProjectJobTokenScopes.addToInboundAllowList(ids.projects.poetry, hidden.id),
      ),
    ).toEqual({
      status: 400,
      description:
        "The target_project that you are attempting to access does not exist or you don't have permission to perform this action",
    });
    await bob.ProjectJobTokenScopes.addToInboundAllowList(ids.projects.poetry, ids.projects.app);
    expect(
      await failure(
        bob.ProjectJobTokenScopes.addToInboundAllowList(ids.projects.poetry, ids.projects.app),
      ),
    ).toEqual({
      status: 400,
      description: 'Target project is already in the job token scope',
    });
    expect(
      (await failure(bob.ProjectJobTokenScopes.addToInboundAllowList(ids.projects.poetry, 99999)))
        .status,
    ).toBe(404);
  });

  it('limits the allowlist to 200 entries', async () => {
    world.addMember(ids.projects.app, ids.users.bob, 10);
    for (let i = 0; i < 200; i += 1) {
      const p = world.addProject({
        path: `p${i}`,
        namespaceId: ids.groups.team,
        visibility: 'internal',
      });
      world.allowlistProject(ids.projects.poetry, p.id);
    }

    const result = await failure(
      client('bob').ProjectJobTokenScopes.addToInboundAllowList(
        ids.projects.poetry,
        ids.projects.app,
      ),
    );

    expect(result.status).toBe(400);
    expect(result.description).toMatch(/exceeds the allowable number of project links/);
  });

  it('removes entries (204) and toggles the inbound scope (204 → null)', async () => {
    const bob = client('bob');
    world.addMember(ids.projects.app, ids.users.bob, 10);
    world.allowlistProject(ids.projects.poetry, ids.projects.app);

    await bob.ProjectJobTokenScopes.removeFromInboundAllowList(
      ids.projects.poetry,
      ids.projects.app,
    );
    const edited = await bob.ProjectJobTokenScopes.edit(ids.projects.poetry, false);

    expect(world.project(ids.projects.poetry)?.jobTokenAllowlist.projectIds).toEqual([]);
    expect(edited).toBeNull();
    expect(await bob.ProjectJobTokenScopes.show(ids.projects.poetry)).toMatchObject({
      inbound_enabled: false,
    });
  });

  it('manages the group allowlist and feature-gates by version', async () => {
    const bob = client('bob');
    world.addMember(ids.groups.team, ids.users.bob, 10);

    const added = await bob.ProjectJobTokenScopes.addToGroupsAllowList(
      ids.projects.poetry,
      ids.groups.team,
    );
    expect(added).toEqual({
      source_project_id: ids.projects.poetry,
      target_group_id: ids.groups.team,
    });
    expect(world.evaluatePull(ids.projects.app, ids.users.alice, ids.image).ok).toBe(true);
    expect(await bob.ProjectJobTokenScopes.showGroupsAllowList(ids.projects.poetry)).toEqual([
      { id: ids.groups.team, name: 'team', web_url: 'https://gitlab.example.org/groups/team' },
    ]);

    world.version = '16.11.0';
    expect(
      await failure(bob.ProjectJobTokenScopes.showGroupsAllowList(ids.projects.poetry)),
    ).toEqual({
      status: 404,
      description: '404 Not Found',
    });
    world.version = '15.11.0';
    expect((await failure(bob.ProjectJobTokenScopes.show(ids.projects.poetry))).status).toBe(404);
  });

  it('reports the scope as enabled when the 18.0 enforcement is on', async () => {
    world.setInboundScope(ids.projects.poetry, false);
    world.version = '18.0.0';

    expect(await client('bob').ProjectJobTokenScopes.show(ids.projects.poetry)).toMatchObject({
      inbound_enabled: true,
    });
  });
});

describe('registry API', () => {
  it('lists repositories and tags for Reporters', async () => {
    const api = client('bot');

    const repositories = await api.ContainerRegistry.allRepositories({
      projectId: ids.projects.poetry,
      tagsCount: true,
    });
    const tag = await api.ContainerRegistry.showTag(
      ids.projects.poetry,
      ids.registryRepositoryId,
      '1.5',
    );

    expect(repositories).toEqual([
      expect.objectContaining({
        id: ids.registryRepositoryId,
        name: 'python3.11/rockylinux9',
        path: 'containers/poetry/python3.11/rockylinux9',
        location: 'gitlab-registry.example.org/containers/poetry/python3.11/rockylinux9',
        tags_count: 3,
      }),
    ]);
    expect(tag).toMatchObject({
      name: '1.5',
      digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });
    expect(
      (
        await failure(
          api.ContainerRegistry.showTag(ids.projects.poetry, ids.registryRepositoryId, '9'),
        )
      ).status,
    ).toBe(404);
  });

  it('answers 404 when the registry is disabled', async () => {
    world.project(ids.projects.poetry)!.containerRegistryAccessLevel = 'disabled';

    expect(
      (
        await failure(
          client('bot').ContainerRegistry.allRepositories({ projectId: ids.projects.poetry }),
        )
      ).status,
    ).toBe(404);
  });
});

describe('merge requests and notes', () => {
  it('finds the MR by source branch and by commit', async () => {
    const api = client('bot');

    const bySource = await api.MergeRequests.all({
      projectId: ids.projects.app,
      sourceBranch: 'add-ci',
      state: 'opened',
    });
    const byCommit = await api.Commits.allMergeRequests(ids.projects.app, ids.mergeRequest.sha);
    const mr = await api.MergeRequests.show(ids.projects.app, 1);

    expect(bySource.map((m) => m.iid)).toEqual([1]);
    expect(byCommit.map((m) => m.iid)).toEqual([1]);
    expect(mr).toMatchObject({
      iid: 1,
      source_branch: 'add-ci',
      author: { username: 'alice' },
      sha: ids.mergeRequest.sha,
    });
  });

  it('creates and edits notes; only the author may edit', async () => {
    const bot = client('bot');

    const note = await bot.MergeRequestNotes.create(ids.projects.app, 1, 'Image pull blocked');
    const edited = await bot.MergeRequestNotes.edit(ids.projects.app, 1, note.id, {
      body: 'Updated',
    });

    expect(note).toMatchObject({
      body: 'Image pull blocked',
      author: { id: ids.users.bot, username: 'diagnoser-bot' },
      noteable_type: 'MergeRequest',
      noteable_iid: 1,
      system: false,
      type: null,
      internal: false,
      confidential: false,
      resolvable: false,
    });
    expect(edited).toMatchObject({ id: note.id, body: 'Updated' });
    expect(
      await failure(
        client('carol').MergeRequestNotes.edit(ids.projects.app, 1, note.id, { body: 'x' }),
      ),
    ).toEqual({ status: 403, description: '403 Forbidden' });
    expect(world.notesOn(ids.projects.app, 1).map((n) => n.body)).toEqual(['Updated']);
    expect(world.quickActionsRun).toEqual([]);
  });

  it('sorts notes and records quick actions posted through the API', async () => {
    const alice = client('alice');
    await alice.MergeRequestNotes.create(ids.projects.app, 1, 'first');
    await alice.MergeRequestNotes.create(ids.projects.app, 1, 'LGTM\n/approve');

    const asc = await alice.MergeRequestNotes.all(ids.projects.app, 1, {
      sort: 'asc',
      orderBy: 'created_at',
    });
    const desc = await alice.MergeRequestNotes.all(ids.projects.app, 1);

    expect(asc.map((n) => n.body)).toEqual(['first', 'LGTM\n/approve']);
    expect(desc.map((n) => n.body)).toEqual(['LGTM\n/approve', 'first']);
    expect(world.quickActionsRun).toMatchObject([{ command: 'approve', noteableIid: 1 }]);
  });

  it('awards emoji on notes and lists them', async () => {
    const note = await client('bot').MergeRequestNotes.create(ids.projects.app, 1, 'Approve?');

    const award = await client('carol').MergeRequestNoteAwardEmojis.award(
      ids.projects.app,
      1,
      note.id,
      'thumbsup',
    );
    world.awardEmoji(ids.projects.app, 1, note.id, ids.users.alice, 'eyes');
    const all = await client('bot').MergeRequestNoteAwardEmojis.all(ids.projects.app, 1, note.id);

    expect(award).toMatchObject({
      name: 'thumbsup',
      user: { id: ids.users.carol, username: 'carol' },
      awardable_id: note.id,
      awardable_type: 'Note',
    });
    expect(all.map((a) => [a.name, a.user.username])).toEqual([
      ['thumbsup', 'carol'],
      ['eyes', 'alice'],
    ]);
  });

  it('requires a body', async () => {
    const response = await fetch(
      `${sim.url}/api/v4/projects/${ids.projects.app}/merge_requests/1/notes`,
      {
        method: 'POST',
        headers: {
          'PRIVATE-TOKEN': ids.tokens.bot,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: 'internal=false',
      },
    );

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'body is missing' });
  });
});

describe('commit discussions', () => {
  it('creates, replies to and edits commit discussions', async () => {
    const bot = client('bot');
    const sha = ids.mergeRequest.sha;

    const discussion = await bot.CommitDiscussions.create(ids.projects.app, sha, 'Pull blocked');
    const noteId = discussion.notes?.[0]?.id ?? 0;
    const reply = await client('alice').CommitDiscussions.addNote(
      ids.projects.app,
      sha,
      discussion.id,
      'thanks',
    );
    const edited = await bot.CommitDiscussions.editNote(
      ids.projects.app,
      sha,
      discussion.id,
      noteId,
      {
        body: 'Fixed',
      },
    );
    const all = await bot.CommitDiscussions.all(ids.projects.app, sha);

    expect(discussion.id).toMatch(/^[0-9a-f]{40}$/);
    expect(discussion).toMatchObject({
      individual_note: false,
      notes: [
        { body: 'Pull blocked', noteable_type: 'Commit', type: 'DiscussionNote', commit_id: sha },
      ],
    });
    expect(reply).toMatchObject({ body: 'thanks', author: { username: 'alice' } });
    expect(edited).toMatchObject({ id: noteId, body: 'Fixed' });
    expect(all[0]?.notes?.map((n) => n.body)).toEqual(['Fixed', 'thanks']);
    expect(
      await failure(
        client('alice').CommitDiscussions.editNote(ids.projects.app, sha, discussion.id, noteId, {
          body: 'x',
        }),
      ),
    ).toEqual({ status: 403, description: '403 Forbidden' });
    expect(world.commitDiscussions(ids.projects.app, sha)).toHaveLength(1);
  });

  it('answers 404 for unknown commits', async () => {
    expect(
      await failure(client('bot').CommitDiscussions.all(ids.projects.app, 'deadbeefdeadbeef')),
    ).toEqual({
      status: 404,
      description: '404 Commit Not Found',
    });
  });
});

describe('faults, journal and unknown routes', () => {
  it('answers an injected 503 once, then serves normally', async () => {
    sim.faults.push({ method: 'GET', path: /^\/projects\/\d+\/jobs$/, status: 503, retryAfter: 7 });
    const api = client('bot');

    const first = await failure(api.Jobs.all(ids.projects.app, { page: 1 }));
    const second = await api.Jobs.all(ids.projects.app, { page: 1 });

    expect(first).toEqual({ status: 503, description: '503 Service Unavailable' });
    expect(second).toEqual([]);
    expect(sim.faults).toEqual([]);
    expect(sim.requests.map((r) => r.status)).toEqual([503, 200]);
  });

  it('answers 429 with Retry-After and plain "Retry later"', async () => {
    sim.faults.push({ path: /\/user$/, status: 429, retryAfter: 30 });

    const response = await fetch(`${sim.url}/api/v4/user`, {
      headers: { 'PRIVATE-TOKEN': ids.tokens.bot },
    });

    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('30');
    expect(await response.text()).toBe('Retry later\n');
  });

  it('lets gitbeaker’s built-in 429 retry succeed on the next attempt', async () => {
    sim.faults.push({ path: /^\/user$/, status: 429 });

    const user = await client('bot').Users.showCurrentUser();

    expect(user.username).toBe('diagnoser-bot');
    expect(sim.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('matches fault paths decoded too, and can hang past a client timeout', async () => {
    sim.faults.push({ path: /^\/projects\/team\/app$/, status: 200, delayMs: 2000 });
    const api = client('bot', { queryTimeout: 100 });

    await expect(api.Projects.show('team/app')).rejects.toBeInstanceOf(GitbeakerTimeoutError);
  });

  it('records the journal with user ids and parsed queries', async () => {
    await client('bot').Jobs.all('team/app', { scope: 'failed', perPage: 5, page: 1 });

    expect(sim.requests).toEqual([
      {
        method: 'GET',
        path: '/api/v4/projects/team%2Fapp/jobs',
        query: { scope: 'failed', per_page: '5', page: '1' },
        status: 200,
        userId: ids.users.bot,
      },
    ]);
  });

  it('answers unknown routes with 501 and records them', async () => {
    const response = await fetch(`${sim.url}/api/v4/projects/${ids.projects.app}/wikis`, {
      headers: { 'PRIVATE-TOKEN': ids.tokens.bot },
    });

    expect(response.status).toBe(501);
    expect(await response.json()).toEqual({ message: '501 Not Implemented by the simulator' });
    expect(sim.unhandled).toMatchObject([
      { method: 'GET', path: `/api/v4/projects/${ids.projects.app}/wikis`, status: 501 },
    ]);
    expect(sim.errors).toEqual([]);
  });
});
