import { createHash, randomBytes } from 'node:crypto';
import type { Session, SessionKind, SessionRepository } from '../store/index.js';
import { cookieValue } from './access.js';

/** The cookie holding a dashboard session's id; the database keeps only its hash. */
export const SESSION_COOKIE = 'diagnoser_session';

/** How long sessions last. */
export interface SessionPolicy {
  /** Ends a session this long after its last request. */
  idleMs: number;
  /** Ends a session this long after it began, however much it is used. */
  ttlMs: number;
}

/** A random value for a session id, a sign-in `state`, a PKCE verifier or a link code. */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** What the database keeps of a secret: enough to recognise it, nothing to reuse. */
export function secretHash(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** A Set-Cookie value; `maxAgeS` 0 removes the cookie. */
export function cookieHeader(
  name: string,
  value: string,
  options: { path: string; maxAgeS: number; secure: boolean },
): string {
  return [
    `${name}=${value}`,
    `Path=${options.path}`,
    'HttpOnly',
    // Lax: the cookie comes along when GitLab sends the browser back after sign-in, but not
    // with a form another site posts.
    'SameSite=Lax',
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeS))}`,
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
}

export interface SessionUser {
  userId?: number;
  username?: string;
}

/** Dashboard sessions as the browser sees them: a cookie in, a session out. */
export interface SessionKeeper {
  /** Starts a session and returns the Set-Cookie value that hands it to the browser. */
  start(kind: SessionKind, user: SessionUser, secure: boolean): string;
  /** The live session the request's cookies name (and records this use of it). */
  current(cookies: string | undefined): Session | undefined;
  /** Ends the session the cookies name; true when one was live. */
  end(cookies: string | undefined): boolean;
  /** The Set-Cookie value that removes the session cookie. */
  clear(secure: boolean): string;
}

export function createSessionKeeper(
  sessions: SessionRepository,
  now: () => Date,
  policy: SessionPolicy,
): SessionKeeper {
  return {
    start(kind, user, secure) {
      const id = randomSecret();
      sessions.createSession(secretHash(id), {
        kind,
        ...user,
        expiresAt: new Date(now().getTime() + policy.ttlMs).toISOString(),
      });
      return cookieHeader(SESSION_COOKIE, id, {
        path: '/',
        maxAgeS: policy.ttlMs / 1000,
        secure,
      });
    },
    current(cookies) {
      const id = cookieValue(cookies, SESSION_COOKIE);
      if (!id) return undefined;
      const hash = secretHash(id);
      const session = sessions.activeSession(hash, new Date(now().getTime() - policy.idleMs));
      if (session) sessions.touchSession(hash);
      return session;
    },
    end(cookies) {
      const id = cookieValue(cookies, SESSION_COOKIE);
      return id ? sessions.endSession(secretHash(id)) : false;
    },
    clear(secure) {
      return cookieHeader(SESSION_COOKIE, '', { path: '/', maxAgeS: 0, secure });
    },
  };
}
