/**
 * The dashboard without an admin token or GitLab sign-in. Being on the same host is not
 * enough: a reverse proxy there connects from 127.0.0.1 on behalf of anyone, and a proxy
 * may pass every header through unchanged. So nobody gets in without a one-time link that
 * `pipeline-diagnoser sessions link` prints on the host (making one needs the database
 * file), and that link and the session it starts answer only requests that come straight
 * from this host: a loopback peer, no proxy header, a loopback name in Host.
 */
import type { IncomingMessage } from 'node:http';
import type { SessionRepository } from '../store/index.js';
import { isLoopbackHost } from '../config/loopback.js';
import { randomSecret, secretHash } from './session-cookie.js';

/** Where a local link leads. */
export const LOCAL_LINK_PATH = '/sign-in/local';
/** How long a local link can be used. */
export const LOCAL_LINK_TTL_MS = 10 * 60_000;

/** Headers a proxy adds to say whom it forwards for; a browser on this host sends none. */
const PROXY_HEADERS = [
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-forwarded-server',
  'x-real-ip',
  'x-client-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'via',
];

/** The host of a Host header, without its port. */
function hostName(header: string | undefined): string {
  const value = (header ?? '').trim();
  const bracketed = /^\[(?<ip>[^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed?.groups?.ip) return bracketed.groups.ip;
  return value.replace(/:\d+$/, '');
}

/**
 * Why a request did not come straight from this host, or undefined when it did.
 * The answer only ever narrows access: a request it lets through still needs a session.
 */
export function notDirectlyLocal(request: IncomingMessage): string | undefined {
  const peer = request.socket?.remoteAddress;
  if (peer === undefined || !isLoopbackHost(peer)) return 'it came from another machine';
  const proxied = PROXY_HEADERS.find((name) => request.headers[name] !== undefined);
  if (proxied !== undefined) return `it came through a proxy (it carries ${proxied})`;
  const host = hostName(request.headers.host);
  if (host === '' || !isLoopbackHost(host)) {
    return 'it names another host than localhost or 127.0.0.1';
  }
  // nginx forwards as HTTP/1.0 unless told otherwise; browsers speak 1.1 or later.
  if (request.httpVersion === '1.0') return 'it came as HTTP/1.0, as a proxy forwards';
  return undefined;
}

/** Makes a one-time local link's code: the database keeps its hash. */
export function createLocalLinkCode(sessions: SessionRepository): string {
  const code = randomSecret();
  sessions.saveSignInAttempt(secretHash(code), '', 'local');
  return code;
}

/** Uses up a local link's code; true when it was one and is still fresh. */
export function takeLocalLinkCode(sessions: SessionRepository, code: string, now: Date): boolean {
  const since = new Date(now.getTime() - LOCAL_LINK_TTL_MS);
  return sessions.takeSignInAttempt(secretHash(code), since, 'local') !== undefined;
}
