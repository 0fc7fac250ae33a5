import { createHash, timingSafeEqual } from 'node:crypto';

/** Raised by createWebServer when the dashboard would be open to the network. */
export class DashboardExposedError extends Error {
  override readonly name = 'DashboardExposedError';
}

/** The error that stops an unprotected dashboard bound beyond loopback. */
export function exposedDashboardError(host: string): DashboardExposedError {
  return new DashboardExposedError(
    `DIAGNOSER_ADMIN_TOKEN is not set and GitLab sign-in is off: the dashboard and /metrics would be served on ${host} ` +
      '(DIAGNOSER_HTTP_HOST, http.host) to anyone who can reach it. Set DIAGNOSER_ADMIN_TOKEN ' +
      '(adminToken) to a long random value, e.g. `openssl rand -hex 32`, or turn on GitLab sign-in ' +
      '(DIAGNOSER_OAUTH_APP_ID, DIAGNOSER_OAUTH_SECRET), or bind to 127.0.0.1.',
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
