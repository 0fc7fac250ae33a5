/**
 * Who gets into the dashboard: a script with the admin token (Bearer), or a browser with a
 * session kept on the server, started by GitLab sign-in, by `?token=` once, or by a local
 * link on the bot's host. Sessions expire when idle and at the latest after a fixed time,
 * and end on sign-out or `pipeline-diagnoser sessions end-all`.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../log.js';
import type { SessionRepository } from '../store/index.js';
import { bearerToken, cookieValue, secretsMatch } from './access.js';
import {
  CALLBACK_PATH,
  authorizeUrl,
  completeSignIn,
  type GitlabSignInOptions,
} from './gitlab-sign-in.js';
import { renderMessagePage } from './layout.js';
import { LOCAL_LINK_PATH, notDirectlyLocal, takeLocalLinkCode } from './local-access.js';
import {
  cookieHeader,
  createSessionKeeper,
  randomSecret,
  secretHash,
  type SessionPolicy,
} from './session-cookie.js';
import { renderRefusedPage, renderSignInPage } from './sign-in-pages.js';

export interface GateOptions {
  sessions: SessionRepository;
  now: () => Date;
  policy: SessionPolicy;
  logger: Logger;
  /** Required by scripts (Bearer) and accepted once as `?token=` to start a session. */
  adminToken?: string;
  signIn?: GitlabSignInOptions;
  /** Cookies always get Secure (the public address is https). */
  secureCookies?: boolean;
}

/** The cookie tying a GitLab sign-in to the browser that started it (its `state`). */
const STATE_COOKIE = 'diagnoser_sign_in';
const SIGN_IN_TTL_MS = 10 * 60_000;
const HTML = 'text/html; charset=utf-8';

function sendHtml(reply: FastifyReply, status: number, page: string) {
  return reply.code(status).type(HTML).send(page);
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether an Origin header names this host, or is absent or opaque. */
function sameHost(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined || origin === 'null') return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

function queryParam(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** The sign-in routes themselves are open; everything else passes the gate. */
function isSignInRoute(url: string): boolean {
  return /^\/sign-(?:in|out)(?:[/?]|$)/.test(url);
}

/** The access check for every dashboard route, and the sign-in and sign-out routes. */
export function installGate(app: FastifyInstance, options: GateOptions): void {
  const keeper = createSessionKeeper(options.sessions, options.now, options.policy);
  const secure = (request: FastifyRequest) =>
    options.secureCookies === true || request.protocol === 'https';
  const choices = { gitlab: options.signIn !== undefined, token: options.adminToken !== undefined };

  function refuse(request: FastifyRequest, reply: FastifyReply, status: number, problem?: string) {
    reply.header('www-authenticate', 'Bearer realm="pipeline-diagnoser"');
    return sendHtml(reply, status, renderSignInPage(choices, problem));
  }

  app.addHook('onRequest', async (request, reply) => {
    if (isSignInRoute(request.url)) return;
    const { adminToken } = options;
    const bearer = bearerToken(request.headers.authorization);
    if (bearer !== undefined) {
      if (adminToken !== undefined && secretsMatch(bearer, adminToken)) return;
      return refuse(request, reply, 401, 'Wrong admin token.');
    }
    const url = new URL(request.url, 'http://dashboard.invalid');
    const fromQuery = url.searchParams.get('token');
    if (fromQuery !== null) {
      if (adminToken === undefined || !secretsMatch(fromQuery, adminToken)) {
        return refuse(request, reply, 401, 'Wrong admin token.');
      }
      url.searchParams.delete('token');
      // One leading slash: `//host` would be a redirect to another site.
      const location = `/${url.pathname.replace(/^\/+/, '')}${url.search}`;
      const cookie = keeper.start('token', {}, secure(request));
      return reply.header('set-cookie', cookie).redirect(location, 303);
    }
    const session = keeper.current(request.headers.cookie);
    if (session === undefined) return refuse(request, reply, 401);
    if (session.kind === 'local') {
      const why = notDirectlyLocal(request.raw);
      if (why !== undefined) {
        return refuse(request, reply, 403, `A local session works only on the bot's host: ${why}.`);
      }
    }
    if (session.kind === 'token' && adminToken === undefined) return refuse(request, reply, 401);
    if (session.kind === 'gitlab' && options.signIn === undefined) {
      return refuse(request, reply, 401);
    }
  });

  app.get('/sign-in', async (request, reply) => {
    if (keeper.current(request.headers.cookie)) return reply.redirect('/', 303);
    return sendHtml(reply, 200, renderSignInPage(choices));
  });

  // The sign-out form's body says nothing; it only has to be accepted.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 1024 },
    (_request, _body, done) => done(null, {}),
  );

  app.post('/sign-out', async (request, reply) => {
    // A form another site posts carries its own Origin or Sec-Fetch-Site (and no Lax cookie).
    // Under no-referrer, the dashboard's own form sends `Origin: null`.
    const origin = request.headers.origin;
    const site = request.headers['sec-fetch-site'];
    if ((site !== undefined && site !== 'same-origin') || !sameHost(origin, request.headers.host)) {
      return sendHtml(reply, 403, renderMessagePage('Refused', 'Sign out from the dashboard.'));
    }
    keeper.end(request.headers.cookie);
    return reply.header('set-cookie', keeper.clear(secure(request))).redirect('/sign-in', 303);
  });

  app.get(LOCAL_LINK_PATH, async (request, reply) => {
    const why = notDirectlyLocal(request.raw);
    if (why !== undefined) {
      return refuse(request, reply, 403, `A local link works only on the bot's host: ${why}.`);
    }
    const code = queryParam(request, 'code') ?? '';
    if (!takeLocalLinkCode(options.sessions, code, options.now())) {
      return refuse(
        request,
        reply,
        401,
        'This link was used already or is older than 10 minutes: run `pipeline-diagnoser sessions link` again.',
      );
    }
    options.logger.info({ kind: 'local' }, 'dashboard sign-in');
    return reply
      .header('set-cookie', keeper.start('local', {}, secure(request)))
      .redirect('/', 303);
  });

  const { signIn } = options;
  if (signIn === undefined) return;

  app.get('/sign-in/gitlab', async (request, reply) => {
    const state = randomSecret();
    const verifier = randomSecret();
    options.sessions.saveSignInAttempt(secretHash(state), verifier, 'gitlab');
    const cookie = cookieHeader(STATE_COOKIE, state, {
      path: '/sign-in',
      maxAgeS: SIGN_IN_TTL_MS / 1000,
      secure: secure(request),
    });
    return reply.header('set-cookie', cookie).redirect(authorizeUrl(signIn, state, verifier), 302);
  });

  app.get(CALLBACK_PATH, async (request, reply) => {
    const state = queryParam(request, 'state') ?? '';
    const expected = cookieValue(request.headers.cookie, STATE_COOKIE);
    const clearState = cookieHeader(STATE_COOKIE, '', {
      path: '/sign-in',
      maxAgeS: 0,
      secure: secure(request),
    });
    reply.header('set-cookie', clearState);
    // The state must be the one this browser started with: otherwise someone else's code
    // could sign this browser in as them.
    if (expected === undefined || state === '' || !same(state, expected)) {
      return refuse(
        request,
        reply,
        400,
        'This sign-in was not started in this browser: start again.',
      );
    }
    const since = new Date(options.now().getTime() - SIGN_IN_TTL_MS);
    const verifier = options.sessions.takeSignInAttempt(secretHash(state), since, 'gitlab');
    if (verifier === undefined) {
      return refuse(
        request,
        reply,
        400,
        'This sign-in took too long or was used already: start again.',
      );
    }
    const error = queryParam(request, 'error');
    const code = queryParam(request, 'code');
    if (error !== undefined || code === undefined) {
      return refuse(request, reply, 403, 'GitLab did not authorise the sign-in.');
    }
    const outcome = await completeSignIn(signIn, code, verifier);
    if (!outcome.ok) {
      if (outcome.refused) {
        options.logger.warn({ username: outcome.username }, 'dashboard sign-in refused');
        return sendHtml(reply, 403, renderRefusedPage(outcome.username, outcome.why));
      }
      options.logger.warn({ why: outcome.why }, 'dashboard sign-in failed');
      return refuse(request, reply, 502, `The sign-in failed: ${outcome.why}.`);
    }
    options.logger.info({ kind: 'gitlab', username: outcome.username }, 'dashboard sign-in');
    const cookie = keeper.start(
      'gitlab',
      { userId: outcome.userId, username: outcome.username },
      secure(request),
    );
    // Fastify adds a second set-cookie header beside the one that clears the state.
    return reply.header('set-cookie', cookie).redirect('/', 303);
  });
}
