import { describe, expect, it } from 'vitest';
import {
  apiTarget,
  cleanUrl,
  instanceOf,
  locate,
  npmPackageName,
  repositoryPath,
} from '../../src/resolve/gitlab-urls.js';
import { endpointTakesJobToken } from '../../src/resolve/job-token-endpoints.js';

const instance = instanceOf(
  { webUrl: 'https://gitlab.example.org/team/app', pathWithNamespace: 'team/app' },
  'http://127.0.0.1:8080',
);
const underPath = instanceOf(
  { webUrl: 'https://example.com/gitlab/team/app', pathWithNamespace: 'team/app' },
  'https://example.com/gitlab/api/v4',
);

describe('locate', () => {
  it.each([
    ['https://gitlab.example.org/platform/shared.git/', 'platform/shared.git'],
    [
      'https://gitlab-ci-token:[MASKED]@gitlab.example.org/platform/shared.git',
      'platform/shared.git',
    ],
    [
      'https://gitlab-ci-token:${CI_JOB_TOKEN}@gitlab.example.org/platform/shared.git',
      'platform/shared.git',
    ],
    [
      '"${CI_API_V4_URL}/projects/platform%2Fconfig/releases"',
      'api/v4/projects/platform%2Fconfig/releases',
    ],
    [
      '$CI_API_V4_URL/projects/12/jobs/artifacts/main/download?job=build',
      'api/v4/projects/12/jobs/artifacts/main/download',
    ],
    [
      'https://gitlab-ci-token:${CI_JOB_TOKEN}@${CI_SERVER_HOST}/platform/shared.git',
      'platform/shared.git',
    ],
    [
      'http://127.0.0.1:8080/api/v4/projects/7/packages/npm/@a%2fb',
      'api/v4/projects/7/packages/npm/@a%2fb',
    ],
  ])('%s is on this instance', (url, path) => {
    expect(locate(url, instance)).toEqual({ on: 'instance', path });
  });

  it('strips the path GitLab lives under', () => {
    expect(locate('https://example.com/gitlab/platform/shared.git', underPath)).toEqual({
      on: 'instance',
      path: 'platform/shared.git',
    });
    expect(locate('https://example.com/other/thing.git', underPath)).toEqual({
      on: 'other-host',
      host: 'example.com',
    });
  });

  it('names the other host', () => {
    expect(locate('https://github.com/acme/tool.git', instance)).toEqual({
      on: 'other-host',
      host: 'github.com',
    });
    expect(locate('https://gitlab.example.org.evil.test/x/y.git', instance)).toEqual({
      on: 'other-host',
      host: 'gitlab.example.org.evil.test',
    });
  });
});

describe('project paths', () => {
  it.each([
    ['platform/shared.git/', 'platform/shared'],
    ['group/sub/proj', 'group/sub/proj'],
    ['group/proj.git/info/refs', 'group/proj'],
  ])('repositoryPath(%s)', (path, project) => {
    expect(repositoryPath(path)).toBe(project);
  });

  it('needs a namespace and a name', () => {
    expect(repositoryPath('single.git')).toBeUndefined();
  });

  it.each([
    [
      'api/v4/projects/platform%2Fconfig/releases',
      { kind: 'project', id: 'platform/config', rest: 'releases' },
    ],
    [
      'api/v4/projects/42/packages/npm/@a%2fb',
      { kind: 'project', id: 42, rest: 'packages/npm/@a%2fb' },
    ],
    [
      'api/v4/projects/${UPSTREAM_ID}/jobs/1/artifacts',
      { kind: 'variable', variable: '${UPSTREAM_ID}', rest: 'jobs/1/artifacts' },
    ],
    ['api/v4/packages/npm/@a%2fb', { kind: 'instance-packages', rest: 'packages/npm/@a%2fb' }],
    ['api/v4/groups/9/packages', { kind: 'other', rest: 'groups/9/packages' }],
  ])('apiTarget(%s)', (path, target) => {
    expect(apiTarget(path)).toEqual(target);
  });

  it.each([
    ['@platform%2fui-kit', '@platform/ui-kit'],
    [
      '@koii-network/koii-localtunnel-client/-/@koii-network/koii-localtunnel-client-2.0.3.tgz',
      '@koii-network/koii-localtunnel-client',
    ],
    ['left-pad', 'left-pad'],
  ])('npmPackageName(%s)', (segment, name) => {
    expect(npmPackageName(segment)).toBe(name);
  });

  it('cleanUrl drops credentials and quotes, keeps the rest', () => {
    expect(cleanUrl("'https://u:p@host/g/p.git/'")).toBe('https://host/g/p.git');
  });
});

describe('endpoints that take a job token', () => {
  it.each([
    ['releases', '17.5.0', true],
    ['jobs/artifacts/main/download?job=build', '16.0.0', true],
    ['repository/files/a.yml/raw?ref=main', '17.11.0', false],
    ['repository/files/a.yml/raw?ref=main', '18.2.0', true],
    ['merge_requests/4/changes', '17.5.0', false],
    ['issues', '18.2.0', false],
  ])('%s on %s: %s', (rest, version, accepted) => {
    expect(endpointTakesJobToken(rest, version).accepted).toBe(accepted);
  });
});
