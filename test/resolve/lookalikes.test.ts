import { describe, expect, it } from 'vitest';
import type { GitlabPort, Job, Project } from '../../src/gitlab/port.js';
import { classify } from '../../src/patterns/classify.js';
import { loadLibrary } from '../../src/patterns/load.js';
import { renderNote } from '../../src/render/comment.js';
import { resolve } from '../../src/resolve/index.js';

const library = loadLibrary();

const projectA: Project = {
  id: 88,
  name: 'app',
  pathWithNamespace: 'team/app',
  webUrl: 'https://gitlab.example.org/team/app',
  visibility: 'private',
  namespace: { id: 12, fullPath: 'team', kind: 'group' },
  containerRegistryImagePrefix: 'gitlab-registry.example.org/team/app',
  containerRegistryAccessLevel: 'enabled',
  callerAccessLevel: 20,
};

/** Only the job's own project is known: look-alikes must not need more. */
const gitlab = {
  baseUrl: 'https://gitlab.example.org',
  getProject: (idOrPath: number | string) =>
    idOrPath === 88 || idOrPath === 'team/app'
      ? Promise.resolve(projectA)
      : Promise.reject(new Error(`look-alikes must not look up ${String(idOrPath)}`)),
} as unknown as GitlabPort;

const job: Job = {
  id: 5,
  name: 'build',
  stage: 'build',
  status: 'failed',
  webUrl: 'https://gitlab.example.org/team/app/-/jobs/5',
  ref: 'main',
  createdAt: '2025-05-12T09:00:00Z',
  pipeline: { id: 9, projectId: 88, ref: 'main', sha: 'abc' },
  user: { id: 3, username: 'alice', name: 'Alice' },
  allowFailure: false,
};

/** The first positive example of each pattern, as a job log. */
function exampleLog(id: string): string {
  const example = library.byId.get(id)?.examples.find((e) => e.expect.match);
  if (!example) throw new Error(`no example for ${id}`);
  return example.log;
}

const DOCKER_HUB_MISSING =
  'WARNING: Failed to pull image with policy "always": Error response from daemon: pull access denied for deployphp/deployer, repository does not exist or may require \'docker login\': denied: requested access to the resource is denied (manager.go:237:0s)';

describe('registry look-alikes get their own fix and no allowlist talk', () => {
  it.each([
    ['registry-rate-limited', exampleLog('registry-rate-limited'), /dependency proxy|mirror/],
    ['dependency-proxy-denied', exampleLog('dependency-proxy-denied'), /Guest or higher/],
    ['registry-login-failed', exampleLog('registry-login-failed'), /CI\\?_REGISTRY\\?_PASSWORD/],
    ['tls-certificate-untrusted', exampleLog('tls-certificate-untrusted'), /CA certificate/],
    ['dns-resolution-failed', exampleLog('dns-resolution-failed'), /resolves from the runner/],
    ['registry-unreachable', exampleLog('registry-unreachable'), /firewall|proxy/],
    ['registry-pull-denied', DOCKER_HUB_MISSING, /DOCKER_AUTH_CONFIG/],
  ])('%s', async (id, log, fix) => {
    const { diagnosis: match } = classify(log, library);
    expect(match?.pattern).toBe(id);
    const pattern = library.byId.get(id);
    if (!match || !pattern) throw new Error('no match');

    const d = await resolve({ gitlab, job, pattern, match, now: () => new Date(0) });
    const body = renderNote([{ incidentId: 1, diagnosis: d, jobs: [] }], {
      gitlabUrl: 'https://gitlab.example.org',
      now: new Date(0),
    });

    const fixText = body.slice(body.indexOf('**How to fix it.**'));
    expect(fixText).toMatch(fix);
    expect(body).not.toMatch(/allowlist|job token permissions/i);
    expect(d.fix?.kind).not.toBe('allowlist-add');
  });
});
