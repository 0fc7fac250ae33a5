/**
 * GitLab's OAuth 2 provider endpoints (`/oauth/authorize`, `/oauth/token`, `/oauth/revoke`),
 * outside `/api/v4`
 * and without a token. The authorize page is the simulator's own: a sign-in form (username and
 * password set with `world.oauth.passwords`) with Authorize and Deny, where GitLab shows its
 * sign-in page and then the authorization page.
 */
import type { ApiResponse, Body, Query } from '../http.js';
import { bodyString, queryString } from '../http.js';
import {
  TOKEN_TTL_S,
  applicationOf,
  exchangeCode,
  issueCode,
  passwordMatches,
  revokeToken,
  type OAuthApplication,
} from '../oauth.js';
import { randomHex40 } from '../ids.js';
import type { World } from '../world.js';

export interface OAuthRequest {
  world: World;
  method: string;
  path: string;
  query: Query;
  body: Body;
  authorization: string | undefined;
}

const AUTHORIZE_FIELDS = [
  'client_id',
  'redirect_uri',
  'response_type',
  'state',
  'scope',
  'code_challenge',
  'code_challenge_method',
] as const;

const INVALID_GRANT =
  'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.';
const INVALID_CLIENT =
  'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.';

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

function page(status: number, title: string, body: string): ApiResponse {
  return {
    status,
    text: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · GitLab</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
    headers: { 'Content-Type': 'text/html; charset=utf-8' },
  };
}

function redirect(location: string): ApiResponse {
  return { status: 302, text: '', headers: { Location: location } };
}

function withParams(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) url.searchParams.set(key, value);
  }
  return url.toString();
}

type Params = Partial<Record<(typeof AUTHORIZE_FIELDS)[number], string>>;

function paramsOf(source: Query | Body): Params {
  const params: Params = {};
  for (const field of AUTHORIZE_FIELDS) {
    const value =
      typeof source[field] === 'string' || Array.isArray(source[field])
        ? queryString(source as Query, field)
        : undefined;
    if (value !== undefined) params[field] = value;
  }
  return params;
}

/**
 * Checks an authorization request the way Doorkeeper does: an unknown client or redirect URI
 * is shown as an error page (never redirected), anything else goes back to the client.
 */
function checkRequest(
  world: World,
  params: Params,
):
  | { ok: true; application: OAuthApplication; scopes: string[] }
  | { ok: false; response: ApiResponse } {
  const application = params.client_id ? applicationOf(world.oauth, params.client_id) : undefined;
  if (!application) {
    return { ok: false, response: page(401, 'An error has occurred', `<p>${INVALID_CLIENT}</p>`) };
  }
  if (!params.redirect_uri || !application.redirectUris.includes(params.redirect_uri)) {
    return {
      ok: false,
      response: page(
        400,
        'An error has occurred',
        '<p>The redirect URI included is not valid.</p>',
      ),
    };
  }
  const back = (error: string, description: string) => ({
    ok: false as const,
    response: redirect(
      withParams(params.redirect_uri as string, {
        error,
        error_description: description,
        state: params.state,
      }),
    ),
  });
  if (params.response_type !== 'code') {
    return back(
      'unsupported_response_type',
      'The authorization server does not support this response type.',
    );
  }
  const scopes = (params.scope ?? application.scopes.join(' ')).split(/\s+/).filter(Boolean);
  if (scopes.length === 0 || scopes.some((s) => !application.scopes.includes(s))) {
    return back('invalid_scope', 'The requested scope is invalid, unknown, or malformed.');
  }
  if (
    params.code_challenge !== undefined &&
    !['S256', 'plain'].includes(params.code_challenge_method ?? 'plain')
  ) {
    return back('invalid_request', 'Code challenge method must be plain or S256.');
  }
  return { ok: true, application, scopes };
}

function signInPage(
  application: OAuthApplication,
  scopes: string[],
  params: Params,
  error?: string,
) {
  const hidden = Object.entries(params)
    .map(
      ([name, value]) =>
        `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value ?? '')}">`,
    )
    .join('');
  return page(
    error ? 401 : 200,
    `Authorize ${application.name} to use your account?`,
    `${error ? `<p class="flash-alert" id="flash">${escapeHtml(error)}</p>` : ''}
<p>This application will be able to: ${scopes.map((s) => `<code>${escapeHtml(s)}</code>`).join(', ')}</p>
<form method="post" action="/oauth/authorize">${hidden}
<label>Username <input name="username" id="user_login" autocomplete="username"></label>
<label>Password <input type="password" name="password" id="user_password" autocomplete="current-password"></label>
<button type="submit" name="decision" value="authorize" id="authorize">Authorize</button>
<button type="submit" name="decision" value="deny" id="deny">Deny</button>
</form>`,
  );
}

function authorize(request: OAuthRequest): ApiResponse {
  const { world } = request;
  const params = paramsOf(request.method === 'GET' ? request.query : request.body);
  const checked = checkRequest(world, params);
  if (!checked.ok) return checked.response;
  const { application, scopes } = checked;
  if (request.method === 'GET') return signInPage(application, scopes, params);

  const redirectUri = params.redirect_uri as string;
  if (bodyString(request.body, 'decision') === 'deny') {
    return redirect(
      withParams(redirectUri, {
        error: 'access_denied',
        error_description: 'The resource owner or authorization server denied the request.',
        state: params.state,
      }),
    );
  }
  const user = world.userByUsername(bodyString(request.body, 'username') ?? '');
  const password = bodyString(request.body, 'password') ?? '';
  if (!user || user.state !== 'active' || !passwordMatches(world.oauth, user.id, password)) {
    return signInPage(application, scopes, params, 'Invalid login or password.');
  }
  const code = issueCode(
    world.oauth,
    {
      uid: application.uid,
      userId: user.id,
      redirectUri,
      scopes,
      challenge: params.code_challenge,
      challengeMethod:
        params.code_challenge === undefined ? undefined : (params.code_challenge_method ?? 'plain'),
    },
    world.now().getTime(),
  );
  return redirect(withParams(redirectUri, { code, state: params.state }));
}

/** Client credentials from the body, or from HTTP Basic (RFC 6749 §2.3.1). */
function clientCredentials(request: OAuthRequest): { id?: string; secret?: string } {
  const basic = /^Basic\s+(?<value>\S+)$/i.exec(request.authorization ?? '')?.groups?.value;
  if (basic) {
    const [id, secret] = Buffer.from(basic, 'base64').toString('utf8').split(':');
    return {
      ...(id ? { id: decodeURIComponent(id) } : {}),
      ...(secret !== undefined ? { secret: decodeURIComponent(secret) } : {}),
    };
  }
  const id = bodyString(request.body, 'client_id');
  const secret = bodyString(request.body, 'client_secret');
  return { ...(id ? { id } : {}), ...(secret !== undefined ? { secret } : {}) };
}

function token(request: OAuthRequest): ApiResponse {
  const { world, body } = request;
  if (bodyString(body, 'grant_type') !== 'authorization_code') {
    return {
      status: 400,
      json: {
        error: 'unsupported_grant_type',
        error_description:
          'The authorization grant type is not supported by the authorization server.',
      },
    };
  }
  const client = clientCredentials(request);
  const now = world.now().getTime();
  const result = exchangeCode(
    world.oauth,
    {
      code: bodyString(body, 'code') ?? '',
      clientId: client.id ?? '',
      clientSecret: client.secret,
      redirectUri: bodyString(body, 'redirect_uri') ?? '',
      codeVerifier: bodyString(body, 'code_verifier'),
    },
    now,
  );
  if (!result.ok) {
    const description =
      result.error === 'invalid_client'
        ? INVALID_CLIENT
        : result.error === 'invalid_request'
          ? 'Missing required parameter: code_verifier.'
          : INVALID_GRANT;
    return {
      status: result.error === 'invalid_client' ? 401 : 400,
      json: { error: result.error, error_description: description },
    };
  }
  return {
    status: 200,
    json: {
      access_token: result.token,
      token_type: 'Bearer',
      expires_in: TOKEN_TTL_S,
      refresh_token: randomHex40(),
      scope: result.entry.scopes.join(' '),
      created_at: Math.floor(now / 1000),
    },
    headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
  };
}

function revoke(request: OAuthRequest): ApiResponse {
  const client = clientCredentials(request);
  const result = revokeToken(request.world.oauth, {
    token: bodyString(request.body, 'token') ?? '',
    clientId: client.id ?? '',
    clientSecret: client.secret,
  });
  if (result === 'invalid_client') {
    return { status: 401, json: { error: 'invalid_client', error_description: INVALID_CLIENT } };
  }
  return { status: 200, json: {} };
}

/** Answers an `/oauth/…` request, or undefined when the path is not one of them. */
export function handleOAuth(request: OAuthRequest): ApiResponse | undefined {
  if (request.path === '/oauth/authorize' && ['GET', 'POST'].includes(request.method)) {
    return authorize(request);
  }
  if (request.path === '/oauth/token' && request.method === 'POST') return token(request);
  if (request.path === '/oauth/revoke' && request.method === 'POST') return revoke(request);
  return undefined;
}
