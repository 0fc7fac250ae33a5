/**
 * "Sign in with GitLab": OAuth 2 authorization code with PKCE against the instance, scope
 * read_user. The access token is used for one request (who is this?) and revoked at once:
 * it is never stored or logged. Group membership is asked with the bot's own token, since
 * read_user cannot read groups.
 */
import { createHash } from 'node:crypto';
import type { GitlabPort } from '../gitlab/port.js';

/** The path GitLab sends the browser back to; register `<publicUrl>` + this on GitLab. */
export const CALLBACK_PATH = '/sign-in/gitlab/callback';
export const SCOPE = 'read_user';
/** Guest: the lowest role that makes someone a member (Minimal Access does not). */
const GUEST = 10;
const TIMEOUT_MS = 15_000;

export interface GitlabSignInOptions {
  gitlabUrl: string;
  applicationId: string;
  secret: string;
  /** Where GitLab sends the browser back: the public address + CALLBACK_PATH. */
  redirectUri: string;
  /** Members of this group may sign in, besides GitLab administrators. */
  group?: string;
  /** Whether the user is a member of the group, asked with the bot's token. */
  isGroupMember?: (group: string, userId: number) => Promise<boolean>;
}

export type SignInOutcome =
  | { ok: true; userId: number; username: string }
  | { ok: false; refused: true; username: string; why: string }
  | { ok: false; refused: false; why: string };

/** The group check, with the bot's GitLab port. */
export function groupMemberCheck(
  gitlab: Pick<GitlabPort, 'getGroupMember'>,
): (group: string, userId: number) => Promise<boolean> {
  return async (group, userId) =>
    ((await gitlab.getGroupMember(group, userId))?.accessLevel ?? 0) >= GUEST;
}

function base(options: GitlabSignInOptions): string {
  return options.gitlabUrl.replace(/\/+$/, '');
}

/** The address that starts the sign-in on GitLab. */
export function authorizeUrl(
  options: GitlabSignInOptions,
  state: string,
  verifier: string,
): string {
  const url = new URL(`${base(options)}/oauth/authorize`);
  url.search = new URLSearchParams({
    client_id: options.applicationId,
    redirect_uri: options.redirectUri,
    response_type: 'code',
    state,
    scope: SCOPE,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  return url.toString();
}

async function post(url: string, form: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(form).toString(),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
}

interface GitlabUserJson {
  id?: unknown;
  username?: unknown;
  state?: unknown;
  is_admin?: unknown;
}

/** Who signed in, and whether they may use the dashboard. */
async function judge(options: GitlabSignInOptions, user: GitlabUserJson): Promise<SignInOutcome> {
  if (typeof user.id !== 'number' || typeof user.username !== 'string') {
    return { ok: false, refused: false, why: 'GitLab did not say who signed in' };
  }
  const username = user.username;
  if (user.state !== 'active') {
    return { ok: false, refused: true, username, why: 'the GitLab account is not active' };
  }
  // GitLab shows is_admin only to administrators, so its presence is the answer.
  if (user.is_admin === true) return { ok: true, userId: user.id, username };
  if (options.group !== undefined && options.isGroupMember) {
    if (await options.isGroupMember(options.group, user.id)) {
      return { ok: true, userId: user.id, username };
    }
  }
  const who =
    options.group === undefined
      ? 'GitLab administrators'
      : `GitLab administrators and members of the group ${options.group}`;
  return { ok: false, refused: true, username, why: `only ${who} may use this dashboard` };
}

/** Trades the code GitLab sent back for the user's identity and the verdict on it. */
export async function completeSignIn(
  options: GitlabSignInOptions,
  code: string,
  verifier: string,
): Promise<SignInOutcome> {
  const client = { client_id: options.applicationId, client_secret: options.secret };
  let token: string;
  try {
    const response = await post(`${base(options)}/oauth/token`, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: options.redirectUri,
      code_verifier: verifier,
      ...client,
    });
    const body = (await response.json().catch(() => ({}))) as {
      access_token?: unknown;
      error?: unknown;
    };
    if (!response.ok || typeof body.access_token !== 'string') {
      const error = typeof body.error === 'string' ? body.error : `HTTP ${response.status}`;
      return { ok: false, refused: false, why: `GitLab did not accept the sign-in (${error})` };
    }
    token = body.access_token;
  } catch (error) {
    return { ok: false, refused: false, why: `GitLab could not be reached (${errorName(error)})` };
  }
  try {
    const response = await fetch(`${base(options)}/api/v4/user`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!response.ok) {
      return {
        ok: false,
        refused: false,
        why: `GitLab did not say who signed in (HTTP ${response.status})`,
      };
    }
    return await judge(options, (await response.json()) as GitlabUserJson);
  } catch (error) {
    return { ok: false, refused: false, why: `GitLab could not be reached (${errorName(error)})` };
  } finally {
    // The token did its one job; a failed revoke leaves it to expire on its own (2 hours).
    await post(`${base(options)}/oauth/revoke`, { token, ...client }).catch(() => undefined);
  }
}

// Only the error's kind: a message could echo a request that carried the token.
function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'error';
}
