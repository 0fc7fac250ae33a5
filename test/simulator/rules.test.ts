import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  createWorld,
  dockerHubKey,
  jobTokenAllows,
  parseImageRef,
  resolveRegistryPath,
} from '../../src/simulator/index.js';
import type { World } from '../../src/simulator/index.js';

/** Image project B (`images/tools`, private) and consumer project A (`apps/web`) run by `dev`. */
function scenario(init: Parameters<typeof createWorld>[0] = {}) {
  const world = createWorld({ registryHost: 'registry.example.com:5050', ...init });
  const dev = world.addUser({ username: 'dev' });
  const imagesGroup = world.addGroup({ path: 'images' });
  const apps = world.addGroup({ path: 'apps' });
  const frontend = world.addGroup({ path: 'frontend', parentId: apps.id });
  const tools = world.addProject({ path: 'tools', namespaceId: imagesGroup.id });
  const web = world.addProject({ path: 'web', namespaceId: frontend.id });
  world.addRegistryImage(tools.id, '', ['1.0']);
  world.addRegistryImage(tools.id, 'node/slim', ['20', '22']);
  world.addMember(web, dev.id, 30);
  world.addMember(tools, dev.id, 20);
  const pull = (image: string, userId = dev.id) => world.evaluatePull(web.id, userId, image);
  return { world, dev, imagesGroup, apps, frontend, tools, web, pull };
}

const image = 'registry.example.com:5050/images/tools/node/slim:20';

describe('parseImageRef', () => {
  it.each([
    [
      'alpine',
      { host: 'docker.io', hostExplicit: false, path: 'alpine', tag: null, name: 'alpine' },
    ],
    [
      'library/alpine:3.20',
      { host: 'docker.io', path: 'library/alpine', tag: '3.20', name: 'library/alpine' },
    ],
    [
      'registry.example.com:5050/a/b/c:1.5',
      { host: 'registry.example.com:5050', hostExplicit: true, path: 'a/b/c', tag: '1.5' },
    ],
    ['localhost/x@sha256:abc', { host: 'localhost', path: 'x', tag: null, digest: 'sha256:abc' }],
  ])('parses %s', (raw, expected) => {
    expect(parseImageRef(raw)).toMatchObject(expected);
  });

  it('keys Docker Hub images like the registry does', () => {
    expect(dockerHubKey('alpine:3')).toBe('library/alpine');
    expect(dockerHubKey('docker.io/bitnami/kubectl')).toBe('bitnami/kubectl');
    expect(dockerHubKey('quay.io/org/img:1')).toBe('quay.io/org/img');
  });
});

describe('resolveRegistryPath', () => {
  it('tries the whole path and two shorter prefixes, case-insensitively', () => {
    const { world, tools } = scenario();

    expect(resolveRegistryPath(world, 'Images/Tools')).toEqual({
      project: tools,
      repositoryName: '',
    });
    expect(resolveRegistryPath(world, 'images/tools/node/slim')).toEqual({
      project: tools,
      repositoryName: 'node/slim',
    });
    // Three extra levels is one too many (LEVELS_SUPPORTED = 3).
    expect(resolveRegistryPath(world, 'images/tools/a/b/c')).toBeUndefined();
    expect(resolveRegistryPath(world, 'images')).toBeUndefined();
  });
});

describe('evaluatePull', () => {
  it('succeeds once the consumer is on the allowlist', () => {
    const { world, tools, web, pull } = scenario();
    expect(pull(image)).toMatchObject({
      ok: false,
      reason: 'job-token-scope',
      projectId: tools.id,
    });

    world.allowlistProject(tools.id, web.id);

    expect(pull(image)).toMatchObject({
      ok: true,
      registry: 'instance',
      repositoryName: 'node/slim',
    });
  });

  it('accepts a group allowlist entry for any ancestor group of the consumer', () => {
    const { world, tools, apps, pull } = scenario();

    world.allowlistGroup(tools.id, apps.id);

    expect(pull(image).ok).toBe(true);
  });

  it('lets the job token through when the inbound scope is off, unless the instance enforces it', () => {
    const { world, tools, pull } = scenario();
    world.setInboundScope(tools.id, false);
    expect(pull(image).ok).toBe(true);

    world.enforceJobTokenAllowlist = true;

    expect(pull(image)).toMatchObject({ ok: false, reason: 'job-token-scope' });
  });

  it('enforces the allowlist by default from 18.0', () => {
    const { world, tools, pull } = scenario({ version: '18.0.1' });
    world.setInboundScope(tools.id, false);

    expect(world.enforceJobTokenAllowlist).toBe(true);
    expect(pull(image)).toMatchObject({ ok: false, reason: 'job-token-scope' });
  });

  it('denies users who cannot read the registry, before looking at the allowlist', () => {
    const { world, tools, web, pull } = scenario();
    world.allowlistProject(tools.id, web.id);
    const guest = world.addUser({ username: 'guest' });
    world.addMember(tools, guest.id, 10);

    expect(pull(image, guest.id)).toMatchObject({
      ok: false,
      reason: 'user-access',
      kind: 'denied',
    });
  });

  it('lets any signed-in user read an internal project registry that follows visibility', () => {
    const { world, tools, web, pull } = scenario();
    world.allowlistProject(tools.id, web.id);
    tools.visibility = 'internal';
    const stranger = world.addUser({ username: 'stranger' });
    expect(pull(image, stranger.id).ok).toBe(true);

    tools.containerRegistryAccessLevel = 'private';

    expect(pull(image, stranger.id)).toMatchObject({ ok: false, reason: 'user-access' });
  });

  it('lets any job token pull from a public or internal project whose registry is open to everyone', () => {
    const { world, tools, pull } = scenario();
    tools.visibility = 'internal';

    const open = pull(image);
    tools.containerRegistryAccessLevel = 'private';
    const membersOnly = pull(image);

    expect(open.ok).toBe(true);
    expect(membersOnly).toMatchObject({ ok: false, reason: 'job-token-scope' });
    expect(world.enforceJobTokenAllowlist).toBe(false);
  });

  it('hides missing projects behind the same denial', () => {
    const { pull } = scenario();

    const decision = pull('registry.example.com:5050/images/nope/x:1');

    expect(decision).toMatchObject({ ok: false, reason: 'no-project', kind: 'denied' });
    expect(decision.ok === false && decision.message).toBe(
      "pull access denied for registry.example.com:5050/images/nope/x, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
    );
  });

  it('denies pulls from a disabled registry', () => {
    const { tools, pull } = scenario();
    tools.containerRegistryAccessLevel = 'disabled';

    expect(pull(image)).toMatchObject({ ok: false, reason: 'registry-disabled' });
  });

  it('reports a missing tag or repository as manifest unknown', () => {
    const { world, tools, web, pull } = scenario();
    world.allowlistProject(tools.id, web.id);

    const tag = pull('registry.example.com:5050/images/tools/node/slim:18');
    const repo = pull('registry.example.com:5050/images/tools/python');

    expect(tag).toMatchObject({ ok: false, reason: 'not-found', kind: 'manifest-unknown' });
    expect(tag.ok === false && tag.message).toBe(
      'manifest for registry.example.com:5050/images/tools/node/slim:18 not found: manifest unknown: manifest unknown',
    );
    expect(repo).toMatchObject({ ok: false, reason: 'not-found', repositoryName: 'python' });
  });

  it('pulls by digest when the digest belongs to a tag', () => {
    const { world, tools, web, pull } = scenario();
    world.allowlistProject(tools.id, web.id);
    const digest = tools.registry.find((r) => r.name === 'node/slim')?.tags[0]?.digest;

    expect(pull(`registry.example.com:5050/images/tools/node/slim@${digest}`).ok).toBe(true);
    expect(pull('registry.example.com:5050/images/tools/node/slim@sha256:00').ok).toBe(false);
  });

  it('requires the exact host:port of the instance registry', () => {
    const { world, tools, web, pull } = scenario();
    world.allowlistProject(tools.id, web.id);

    expect(pull('registry.example.com/images/tools/node/slim:20')).toMatchObject({
      ok: false,
      registry: 'external',
      reason: 'docker-hub-missing',
    });
  });

  it('pulls Docker Hub images that exist and explains those that do not', () => {
    const { world, pull } = scenario();
    world.addDockerHubImage('library/alpine', ['latest', '3.20']);

    expect(pull('alpine').ok).toBe(true);
    expect(pull('docker.io/library/alpine:3.20').ok).toBe(true);
    expect(pull('alpine:2.0')).toMatchObject({ ok: false, reason: 'not-found' });
    const missing = pull('myorg/private-tool:1');
    expect(missing).toMatchObject({ ok: false, reason: 'docker-hub-missing' });
    expect(missing.ok === false && missing.message).toBe(
      "pull access denied for myorg/private-tool, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
    );
  });
});

describe('jobTokenAllows', () => {
  it('always allows a project its own registry', () => {
    const { world, tools } = scenario();

    expect(jobTokenAllows(world as World, tools, tools)).toBe(true);
  });
});

describe('compareVersions', () => {
  it.each([
    ['17.10.0', '17.5.1', 1],
    ['16.0.0-ee', '16.0.0', 0],
    ['15.11.3', '16.0.0', -1],
  ])('%s vs %s', (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });
});
