/**
 * GitLab as an OAuth 2 provider (Doorkeeper): applications registered on the instance, the
 * authorization code grant with PKCE, and the access tokens it issues. Codes live 10 minutes
 * and are used once; tokens live 2 hours and carry the scopes granted.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** An application registered under Admin → Applications (or a user's or group's settings). */
export interface OAuthApplication {
  name: string;
  /** The Application ID (`client_id`). */
  uid: string;
  /** The secret (`client_secret`); confidential applications must send it. */
  secret: string;
  redirectUris: string[];
  scopes: string[];
  confidential: boolean;
}

interface Grant {
  code: string;
  uid: string;
  userId: number;
  redirectUri: string;
  scopes: string[];
  challenge: string | undefined;
  challengeMethod: string | undefined;
  expiresAt: number;
}

/** An OAuth access token and what it may do. */
export interface OAuthToken {
  userId: number;
  scopes: string[];
  uid: string;
  expiresAt: number;
}

export interface OAuthState {
  readonly applications: OAuthApplication[];
  /** userId → password, for the sign-in form of `/oauth/authorize`. */
  readonly passwords: Map<number, string>;
  readonly grants: Map<string, Grant>;
  readonly tokens: Map<string, OAuthToken>;
}

export const CODE_TTL_MS = 10 * 60_000;
export const TOKEN_TTL_S = 7200;

export function createOAuthState(): OAuthState {
  return { applications: [], passwords: new Map(), grants: new Map(), tokens: new Map() };
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** Registers an application; GitLab shows its uid and secret once. */
export function registerApplication(
  state: OAuthState,
  input: { name: string; redirectUri: string | string[]; scopes: string[]; confidential?: boolean },
): OAuthApplication {
  const application: OAuthApplication = {
    name: input.name,
    uid: hex(32),
    secret: `gloas-${hex(32)}`,
    redirectUris: Array.isArray(input.redirectUri) ? input.redirectUri : [input.redirectUri],
    scopes: input.scopes,
    confidential: input.confidential ?? true,
  };
  state.applications.push(application);
  return application;
}

export function applicationOf(state: OAuthState, uid: string): OAuthApplication | undefined {
  return state.applications.find((a) => a.uid === uid);
}

function same(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

export function passwordMatches(state: OAuthState, userId: number, password: string): boolean {
  const expected = state.passwords.get(userId);
  return expected !== undefined && same(password, expected);
}

/** Issues an authorization code for a signed-in user who clicked Authorize. */
export function issueCode(
  state: OAuthState,
  grant: Omit<Grant, 'code' | 'expiresAt'>,
  now: number,
): string {
  const code = hex(32);
  state.grants.set(code, { ...grant, code, expiresAt: now + CODE_TTL_MS });
  return code;
}

/** Why a code exchange is refused, in Doorkeeper's words. */
export type ExchangeError = 'invalid_grant' | 'invalid_client' | 'invalid_request';

export interface ExchangeInput {
  code: string;
  clientId: string;
  clientSecret: string | undefined;
  redirectUri: string;
  codeVerifier: string | undefined;
}

function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** Exchanges a code for a token; a code works once, whatever the outcome. */
export function exchangeCode(
  state: OAuthState,
  input: ExchangeInput,
  now: number,
): { ok: true; token: string; entry: OAuthToken } | { ok: false; error: ExchangeError } {
  const application = applicationOf(state, input.clientId);
  if (!application) return { ok: false, error: 'invalid_client' };
  if (application.confidential) {
    if (input.clientSecret === undefined || !same(input.clientSecret, application.secret)) {
      return { ok: false, error: 'invalid_client' };
    }
  }
  const grant = state.grants.get(input.code);
  state.grants.delete(input.code);
  if (!grant || grant.uid !== application.uid || grant.expiresAt < now) {
    return { ok: false, error: 'invalid_grant' };
  }
  if (grant.redirectUri !== input.redirectUri) return { ok: false, error: 'invalid_grant' };
  if (grant.challenge !== undefined) {
    if (input.codeVerifier === undefined) return { ok: false, error: 'invalid_request' };
    const computed =
      grant.challengeMethod === 'plain' ? input.codeVerifier : s256(input.codeVerifier);
    if (!same(computed, grant.challenge)) return { ok: false, error: 'invalid_grant' };
  }
  const token = hex(32);
  const entry: OAuthToken = {
    userId: grant.userId,
    scopes: grant.scopes,
    uid: application.uid,
    expiresAt: now + TOKEN_TTL_S * 1000,
  };
  state.tokens.set(token, entry);
  return { ok: true, token, entry };
}

/** The live OAuth token behind a Bearer value, if it is one. */
export function oauthToken(state: OAuthState, token: string, now: number): OAuthToken | undefined {
  const entry = state.tokens.get(token);
  return entry && entry.expiresAt > now ? entry : undefined;
}

/**
 * Whether a token with these scopes may call an API route: `api` everything, `read_api`
 * reads, `read_user` only `GET /user` and `GET /users…` (GitLab's `allow_access_with_scope`).
 */
export function scopeAllows(scopes: readonly string[], method: string, apiPath: string): boolean {
  if (scopes.includes('api')) return true;
  const read = method === 'GET' || method === 'HEAD';
  if (scopes.includes('read_api') && read) return true;
  if (scopes.includes('read_user') && read && /^\/users?(?:\/|$)/.test(apiPath)) return true;
  return false;
}

/**
 * Revokes a token the application was issued (RFC 7009): the answer is the same whether or
 * not the token existed, so it says nothing about other clients' tokens.
 */
export function revokeToken(
  state: OAuthState,
  input: { token: string; clientId: string; clientSecret: string | undefined },
): 'ok' | 'invalid_client' {
  const application = applicationOf(state, input.clientId);
  if (!application) return 'invalid_client';
  if (application.confidential) {
    if (input.clientSecret === undefined || !same(input.clientSecret, application.secret)) {
      return 'invalid_client';
    }
  }
  if (state.tokens.get(input.token)?.uid === application.uid) state.tokens.delete(input.token);
  return 'ok';
}
