import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  registerApplication,
  seedStoryWorld,
  startSimulator,
  type OAuthApplication,
  type SeedIds,
  type Simulator,
  type World,
} from '../../src/simulator/index.js';

const REDIRECT = 'http://127.0.0.1:9999/auth/gitlab/callback';

let sim: Simulator;
let world: World;
let ids: SeedIds;
let app: OAuthApplication;

beforeEach(async () => {
  ({ world, ids } = seedStoryWorld());
  world.oauth.passwords.set(ids.users.root, 'root-password-1');
  world.oauth.passwords.set(ids.users.alice, 'alice-password-1');
  app = registerApplication(world.oauth, {
    name: 'pipeline-diagnoser',
    redirectUri: REDIRECT,
    scopes: ['read_user'],
  });
  sim = await startSimulator({ world });
});

afterEach(async () => {
  expect(sim.unhandled).toEqual([]);
  expect(sim.errors).toEqual([]);
  await sim.close();
});

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeQuery(challenge: string, extra: Record<string, string> = {}) {
  return new URLSearchParams({
    client_id: app.uid,
    redirect_uri: REDIRECT,
    response_type: 'code',
    state: 'state-123',
    scope: 'read_user',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  });
}

/** Submits the sign-in form as a browser would; returns the redirect target. */
async function signIn(
  username: string,
  password: string,
  challenge: string,
  decision = 'authorize',
) {
  const form = authorizeQuery(challenge);
  form.set('username', username);
  form.set('password', password);
  form.set('decision', decision);
  const response = await fetch(`${sim.url}/oauth/authorize`, {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  return { status: response.status, location: response.headers.get('location') };
}

async function exchange(code: string, verifier: string, secret = app.secret) {
  const response = await fetch(`${sim.url}/oauth/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      client_id: app.uid,
      client_secret: secret,
      code_verifier: verifier,
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('the OAuth 2 authorization code flow with PKCE', () => {
  it('shows a sign-in page, then issues a read_user token that reads /user and nothing else', async () => {
    const { verifier, challenge } = pkce();
    const pageResponse = await fetch(`${sim.url}/oauth/authorize?${authorizeQuery(challenge)}`);
    const signedIn = await signIn('root', 'root-password-1', challenge);
    const redirect = new URL(signedIn.location ?? '');
    const token = await exchange(redirect.searchParams.get('code') ?? '', verifier);
    const bearer = { authorization: `Bearer ${String(token.body.access_token)}` };
    const user = await fetch(`${sim.url}/api/v4/user`, { headers: bearer });
    const projects = await fetch(`${sim.url}/api/v4/projects`, { headers: bearer });

    expect(await pageResponse.text()).toContain('Authorize pipeline-diagnoser');
    expect(signedIn.status).toBe(302);
    expect(redirect.searchParams.get('state')).toBe('state-123');
    expect(token.body).toMatchObject({
      token_type: 'Bearer',
      scope: 'read_user',
      expires_in: 7200,
    });
    expect(await user.json()).toMatchObject({ username: 'root', is_admin: true });
    expect(projects.status).toBe(403);
    expect(await projects.json()).toMatchObject({ error: 'insufficient_scope' });
  });

  it('refuses a wrong verifier, a reused code and a wrong secret', async () => {
    const { verifier, challenge } = pkce();
    const code = (l: string | null) => new URL(l ?? '').searchParams.get('code') ?? '';
    const first = code((await signIn('alice', 'alice-password-1', challenge)).location);
    const second = code((await signIn('alice', 'alice-password-1', challenge)).location);
    const third = code((await signIn('alice', 'alice-password-1', challenge)).location);

    const wrongVerifier = await exchange(first, pkce().verifier);
    const reused = await exchange(first, verifier);
    const wrongSecret = await exchange(second, verifier, 'gloas-nope');
    const fine = await exchange(third, verifier);

    expect(wrongVerifier).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(reused).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(wrongSecret).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(fine.status).toBe(200);
  });

  it('keeps a wrong password on the sign-in page and sends a refusal back', async () => {
    const { challenge } = pkce();
    const wrong = await signIn('alice', 'guess', challenge);
    const denied = await signIn('alice', 'alice-password-1', challenge, 'deny');

    expect(wrong).toEqual({ status: 401, location: null });
    expect(new URL(denied.location ?? '').searchParams.get('error')).toBe('access_denied');
  });

  it('never redirects to an unregistered address', async () => {
    const { challenge } = pkce();
    const response = await fetch(
      `${sim.url}/oauth/authorize?${authorizeQuery(challenge, { redirect_uri: 'https://evil.example/cb' })}`,
      { redirect: 'manual' },
    );

    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
  });

  it('revokes a token for its own application only, and answers alike for an unknown one', async () => {
    const { verifier, challenge } = pkce();
    const code = new URL((await signIn('root', 'root-password-1', challenge)).location ?? '');
    const token = String(
      (await exchange(code.searchParams.get('code') ?? '', verifier)).body.access_token,
    );
    const other = registerApplication(world.oauth, {
      name: 'other',
      redirectUri: REDIRECT,
      scopes: ['read_user'],
    });
    const revoke = (form: Record<string, string>) =>
      fetch(`${sim.url}/oauth/revoke`, { method: 'POST', body: new URLSearchParams(form) });
    const user = () =>
      fetch(`${sim.url}/api/v4/user`, { headers: { authorization: `Bearer ${token}` } });

    const byOther = await revoke({ token, client_id: other.uid, client_secret: other.secret });
    const afterOther = await user();
    const wrongSecret = await revoke({ token, client_id: app.uid, client_secret: 'gloas-nope' });
    const byOwner = await revoke({ token, client_id: app.uid, client_secret: app.secret });
    const unknown = await revoke({
      token: 'no-such-token',
      client_id: app.uid,
      client_secret: app.secret,
    });

    expect(byOther.status).toBe(200);
    expect(afterOther.status).toBe(200);
    expect(wrongSecret.status).toBe(401);
    expect(byOwner.status).toBe(200);
    expect((await user()).status).toBe(401);
    expect(unknown.status).toBe(200);
  });
});
