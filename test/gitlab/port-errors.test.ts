import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  GitlabAuthError,
  GitlabNotFoundError,
  GitlabPausedError,
  GitlabRequestError,
  GitlabResponseError,
  GitlabTransientError,
  GitlabUnreachableError,
} from '../../src/errors.js';
import { createGitlabAdapter } from '../../src/gitlab/client.js';
import { endpointClass } from '../../src/gitlab/pauses.js';
import { seedStoryWorld, startSimulator, type Simulator } from '../../src/simulator/index.js';

const PORT_ERRORS = [
  GitlabTransientError,
  GitlabAuthError,
  GitlabNotFoundError,
  GitlabRequestError,
];
const FAST = { attempts: 1, baseDelayMs: 1, maxDelayMs: 1_000 };

let sim: Simulator | undefined;
let raw: Server | undefined;
afterEach(async () => {
  await sim?.close();
  await new Promise((resolve) => (raw ? raw.close(resolve) : resolve(undefined)));
  sim = raw = undefined;
});

async function simulated() {
  const { world, ids } = seedStoryWorld();
  sim = await startSimulator({ world });
  return {
    sim,
    ids,
    gitlab: createGitlabAdapter({ url: sim.url, token: ids.tokens.bot, retry: FAST }),
  };
}

/** A server that answers every request with `body` as JSON, whatever it is. */
async function answering(body: string): Promise<string> {
  raw = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(body);
  });
  await new Promise<void>((resolve) => raw?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
}

async function caught(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the call should fail').toBeInstanceOf(Error);
  expect(
    PORT_ERRORS.some((kind) => error instanceof kind),
    String(error),
  ).toBe(true);
  return error as Error;
}

describe('every error leaving the GitLab port is one of its own', () => {
  it('an odd REST payload (zod) is a GitlabResponseError naming the field', async () => {
    const { sim, gitlab } = await simulated();
    sim.faults.push({ path: /^\/user$/, status: 200, body: { id: 'seven', username: 3 } });
    const error = await caught(gitlab.currentUser());
    expect(error).toBeInstanceOf(GitlabResponseError);
    expect(error.message).toMatch(/id|username/);
  });

  it('a text body where JSON was expected is a GitlabResponseError', async () => {
    const { sim, gitlab } = await simulated();
    sim.faults.push({ path: /^\/user$/, status: 200, body: 'hello' });
    expect(await caught(gitlab.currentUser())).toBeInstanceOf(GitlabResponseError);
  });

  it('malformed JSON is a GitlabResponseError', async () => {
    const url = await answering('{"id": 1,');
    const gitlab = createGitlabAdapter({ url, token: 't', retry: FAST });
    expect(await caught(gitlab.currentUser())).toBeInstanceOf(GitlabResponseError);
  });

  it('a read whose body was cut is asked again; a write is not, and an odd shape is not', async () => {
    const { sim, ids } = await simulated();
    const gitlab = createGitlabAdapter({
      url: sim.url,
      token: ids.tokens.bot,
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1_000 },
    });
    const cut = { status: 200, body: '{"id": 1, "username": ', contentType: 'application/json' };
    sim.faults.push({ path: /^\/user$/, ...cut });
    expect((await gitlab.currentUser()).username).toBe('diagnoser-bot');
    expect(sim.requests.filter((r) => r.path === '/api/v4/user')).toHaveLength(2);

    sim.faults.push({ path: /^\/user$/, status: 200, body: { id: 'seven', username: 3 } });
    expect(await caught(gitlab.currentUser())).toBeInstanceOf(GitlabResponseError);
    expect(sim.requests.filter((r) => r.path === '/api/v4/user')).toHaveLength(3);

    sim.faults.push({ path: /\/notes$/, method: 'POST', apply: true, ...cut });
    expect(
      await caught(gitlab.createMergeRequestNote(ids.projects.app, ids.mergeRequest.iid, 'hi')),
    ).toBeInstanceOf(GitlabResponseError);
    expect(sim.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('a GraphQL body that is not JSON is a GitlabResponseError', async () => {
    const { sim, gitlab } = await simulated();
    sim.faults.push({ path: /^\/graphql$/, status: 200, body: '<html>proxy</html>' });
    const error = await caught(gitlab.graphqlJobTokenScope('containers/poetry'));
    expect(error).toBeInstanceOf(GitlabResponseError);
  });

  it('a refused connection is a GitlabUnreachableError that names GITLAB_URL', async () => {
    const url = await answering('{}');
    await new Promise((resolve) => raw?.close(resolve));
    raw = undefined;
    const gitlab = createGitlabAdapter({ url, token: 't', retry: FAST });
    const error = await caught(gitlab.currentUser());
    expect(error).toBeInstanceOf(GitlabUnreachableError);
    expect(error.message).toContain('GITLAB_URL');
  });

  it('a 429 with a long Retry-After pauses its endpoint class: the next call sends nothing', async () => {
    const { sim, gitlab } = await simulated();
    sim.faults.push({ path: /^\/user$/, status: 429, retryAfter: 60, times: 5 });
    expect(await caught(gitlab.currentUser())).toBeInstanceOf(GitlabTransientError);
    const sent = sim.requests.length;
    expect(await caught(gitlab.currentUser())).toBeInstanceOf(GitlabPausedError);
    expect(sim.requests.length).toBe(sent);
    // Another class is not held back.
    await gitlab.version();
    expect(sim.requests.length).toBe(sent + 1);
  });

  it('a timeout is a GitlabTransientError', async () => {
    const { world, ids } = seedStoryWorld();
    sim = await startSimulator({ world });
    sim.faults.push({ path: /^\/user$/, status: 200, delayMs: 2_000 });
    const gitlab = createGitlabAdapter({
      url: sim.url,
      token: ids.tokens.bot,
      timeoutMs: 200,
      retry: FAST,
    });
    expect(await caught(gitlab.currentUser())).toBeInstanceOf(GitlabTransientError);
  });
});

describe('endpoint classes', () => {
  it.each([
    ['GET', '/api/v4/projects/12/jobs/7/trace', 'GET projects/*/jobs/*/trace'],
    ['GET', '/api/v4/projects/team%2Fapp/jobs?scope=failed', 'GET projects/*/jobs'],
    ['POST', '/api/v4/projects/3/merge_requests/1/notes', 'POST projects/*/merge_requests/*/notes'],
    [
      'GET',
      '/api/v4/projects/3/repository/commits/0a1b2c3d4e5f/merge_requests',
      'GET projects/*/repository/commits/*/merge_requests',
    ],
    ['POST', 'api/graphql', 'POST api/graphql'],
  ])('%s %s is %s', (method, path, expected) => {
    expect(endpointClass(method, path)).toBe(expected);
  });
});
