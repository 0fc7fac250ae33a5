import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The cookie a `?token=` visit sets, so the token leaves the address bar at once. */
export const ADMIN_COOKIE = 'diagnoser_admin';
const COOKIE_MAX_AGE_S = 12 * 60 * 60;

/** Raised by createWebServer when the dashboard would be open to the network. */
export class DashboardExposedError extends Error {
  override readonly name = 'DashboardExposedError';
}

/** Whether a bind address keeps the server on this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return (
    h === 'localhost' ||
    h.endsWith('.localhost') ||
    h === '::1' ||
    /^127(?:\.\d{1,3}){3}$/.test(h) ||
    /^::ffff:127(?:\.\d{1,3}){3}$/.test(h)
  );
}

/** The error that stops an unprotected dashboard bound beyond loopback. */
export function exposedDashboardError(host: string): DashboardExposedError {
  return new DashboardExposedError(
    `DIAGNOSER_ADMIN_TOKEN is not set: the dashboard and /metrics would be served on ${host} ` +
      '(DIAGNOSER_HTTP_HOST, http.host) to anyone who can reach it. Set DIAGNOSER_ADMIN_TOKEN ' +
      '(adminToken) to a long random value, e.g. `openssl rand -hex 32`, or bind to 127.0.0.1.',
  );
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Compares secrets in constant time. Hashing first gives equal lengths, so neither the
 * content nor the length of the expected value leaks through timing.
 */
export function secretsMatch(given: string, expected: string): boolean {
  return timingSafeEqual(sha256(given), sha256(expected));
}

/** The token of an `Authorization: Bearer <token>` header, if that is what it holds. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^Bearer[ \t]+(?<token>\S+)\s*$/i.exec(value ?? '');
  return match?.groups?.token;
}

/** One cookie's value from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export type AccessDecision =
  | { kind: 'allow' }
  /** A valid `?token=`: set the cookie and redirect to `location` (the URL without it). */
  | { kind: 'redirect'; location: string; setCookie: string }
  | { kind: 'deny'; reason: 'missing' | 'wrong' };

export interface AccessRequest {
  url: string;
  authorization: string | string[] | undefined;
  cookie: string | undefined;
  /** Sets the cookie's Secure flag. */
  https: boolean;
}

/** Decides requests against the admin token (pure: no I/O, no state). */
export interface AccessGuard {
  decide(request: AccessRequest): AccessDecision;
}

export function createAccessGuard(adminToken: string): AccessGuard {
  // The cookie holds a value derived from the token, not the token itself.
  const session = createHmac('sha256', adminToken)
    .update('pipeline-diagnoser dashboard session v1')
    .digest('base64url');

  return {
    decide(request) {
      const url = new URL(request.url, 'http://dashboard.invalid');
      const fromQuery = url.searchParams.get('token');
      if (fromQuery !== null) {
        if (!secretsMatch(fromQuery, adminToken)) return { kind: 'deny', reason: 'wrong' };
        url.searchParams.delete('token');
        const cookie = [
          `${ADMIN_COOKIE}=${session}`,
          'Path=/',
          'HttpOnly',
          'SameSite=Strict',
          `Max-Age=${COOKIE_MAX_AGE_S}`,
          ...(request.https ? ['Secure'] : []),
        ].join('; ');
        // One leading slash: `//host` would be a redirect to another site.
        const location = `/${url.pathname.replace(/^\/+/, '')}${url.search}`;
        return { kind: 'redirect', location, setCookie: cookie };
      }
      const bearer = bearerToken(request.authorization);
      if (bearer !== undefined) {
        return secretsMatch(bearer, adminToken)
          ? { kind: 'allow' }
          : { kind: 'deny', reason: 'wrong' };
      }
      const cookie = cookieValue(request.cookie, ADMIN_COOKIE);
      if (cookie !== undefined && secretsMatch(cookie, session)) return { kind: 'allow' };
      return { kind: 'deny', reason: cookie === undefined ? 'missing' : 'wrong' };
    },
  };
}

/** Whether a connection arrived on a loopback interface (its local address). */
export function isLoopbackAddress(address: string | undefined): boolean {
  return address === undefined || isLoopbackHost(address);
}
