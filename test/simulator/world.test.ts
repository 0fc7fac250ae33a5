import { describe, expect, it } from 'vitest';
import {
  createWorld,
  projectAccessLevel,
  runSeedPipeline,
  seedStoryWorld,
} from '../../src/simulator/index.js';

describe('World', () => {
  it('issues glpat- tokens that map to their user', () => {
    const world = createWorld();
    const user = world.addUser({ username: 'dev' });

    const token = world.issueToken(user.id);

    expect(token).toMatch(/^glpat-[A-Za-z0-9_-]{20}$/);
    expect(world.userByToken(token)).toBe(user);
  });

  it('inherits group membership down subgroups, taking the highest level', () => {
    const world = createWorld();
    const dev = world.addUser({ username: 'dev' });
    const top = world.addGroup({ path: 'top' });
    const sub = world.addGroup({ path: 'sub', parentId: top.id });
    const project = world.addProject({ path: 'p', namespaceId: sub.id });

    world.addMember(top, dev.id, 40);
    world.addMember(project, dev.id, 20);

    expect(project.pathWithNamespace).toBe('top/sub/p');
    expect(projectAccessLevel(world, dev.id, project)).toBe(40);
  });

  it('defaults: 17.5.0, instance registry host, inbound scope on for new projects', () => {
    const world = createWorld();
    const group = world.addGroup({ path: 'g' });

    expect(world.version).toBe('17.5.0');
    expect(world.registryHost).toBe('gitlab-registry.example.org');
    expect(world.enforceJobTokenAllowlist).toBe(false);
    expect(world.addProject({ path: 'p', namespaceId: group.id }).inboundJobTokenScope).toBe(true);
  });

  it('follows the version for enforcement unless set explicitly', () => {
    const world = createWorld({ version: '17.11.0' });
    expect(world.enforceJobTokenAllowlist).toBe(false);

    world.version = '18.1.0';
    expect(world.enforceJobTokenAllowlist).toBe(true);

    world.enforceJobTokenAllowlist = false;
    expect(world.enforceJobTokenAllowlist).toBe(false);
  });
});

describe('seed story', () => {
  it('fails, then passes after allowlisting and a retry as a new job', () => {
    const { world, ids } = seedStoryWorld();
    const pipeline = runSeedPipeline(world, ids);
    const [failed] = world.jobsOf(pipeline.id);
    expect(pipeline).toMatchObject({
      status: 'failed',
      ref: 'refs/merge-requests/1/head',
      source: 'merge_request_event',
      sha: ids.mergeRequest.sha,
    });
    expect(failed?.pulls[0]?.decision).toMatchObject({ ok: false, reason: 'job-token-scope' });

    world.allowlistProject(ids.projects.poetry, ids.projects.app);
    const retried = world.retryJob(ids.projects.app, failed?.id ?? 0, ids.users.bob);

    expect(retried.id).toBeGreaterThan(failed?.id ?? 0);
    expect(retried).toMatchObject({ status: 'success', userId: ids.users.bob, name: 'build-app' });
    expect(failed?.retried).toBe(true);
    expect(world.jobsOf(pipeline.id)).toEqual([retried]);
    expect(world.jobsOf(pipeline.id, true)).toHaveLength(2);
    expect(world.pipeline(pipeline.id)?.status).toBe('success');
  });

  it('lets alice pull by hand (Reporter) while her job token is refused', () => {
    const { world, ids } = seedStoryWorld();

    // Same project as the image: only user access counts.
    expect(world.evaluatePull(ids.projects.poetry, ids.users.alice, ids.image).ok).toBe(true);
    expect(world.evaluatePull(ids.projects.app, ids.users.alice, ids.image)).toMatchObject({
      ok: false,
      reason: 'job-token-scope',
    });
  });

  it('pulls images of the pre-15.9 project without any allowlist', () => {
    const { world, ids } = seedStoryWorld();

    const decision = world.evaluatePull(
      ids.projects.app,
      ids.users.alice,
      'gitlab-registry.example.org/containers/base-images/alpine:3.20',
    );

    expect(decision.ok).toBe(true);
  });

  it('re-evaluates retries against the current world (user-access after allowlisting)', () => {
    const { world, ids } = seedStoryWorld();
    world.allowlistProject(ids.projects.poetry, ids.projects.app);
    const pipeline = world.runPipeline({
      projectId: ids.projects.app,
      ref: 'main',
      userId: ids.users.carol,
      jobs: [{ name: 'build', image: ids.image }],
    });
    const [job] = world.jobsOf(pipeline.id);
    expect(job?.pulls[0]?.decision).toMatchObject({ ok: false, reason: 'user-access' });

    world.addMember(ids.projects.poetry, ids.users.carol, 20);

    expect(world.retryJob(ids.projects.app, job?.id ?? 0, ids.users.carol).status).toBe('success');
  });
});

describe('notes', () => {
  it('records quick actions GitLab would run, flagging those in code blocks', () => {
    const { world, ids } = seedStoryWorld();

    world.addMergeRequestNote(
      ids.projects.app,
      1,
      ids.users.bot,
      'Hello\n/label ~bug\n```\n/approve\n```\npath /not/a/command',
    );

    expect(world.quickActionsRun.map((q) => [q.command, q.inCodeBlock])).toEqual([
      ['label', false],
      ['approve', true],
    ]);
  });

  it('threads replies and keeps award emoji unique per user and name', () => {
    const { world, ids } = seedStoryWorld();
    const note = world.addMergeRequestNote(ids.projects.app, 1, ids.users.bot, 'hi');

    world.awardEmoji(ids.projects.app, 1, note.id, ids.users.bob, 'thumbsup');

    expect(note.awards).toHaveLength(1);
    expect(() =>
      world.awardEmoji(ids.projects.app, 1, note.id, ids.users.bob, 'thumbsup'),
    ).toThrow();
    const discussion = world.addCommitDiscussion(
      ids.projects.app,
      ids.mergeRequest.sha,
      ids.users.bot,
      'x',
    );
    world.replyToDiscussion(discussion.id, ids.users.alice, 'y');
    expect(discussion.id).toMatch(/^[0-9a-f]{40}$/);
    expect(world.commitDiscussions(ids.projects.app, ids.mergeRequest.sha)[0]?.notes).toHaveLength(
      2,
    );
  });
});
