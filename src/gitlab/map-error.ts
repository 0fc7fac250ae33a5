import { GitbeakerRequestError, GitbeakerTimeoutError } from '@gitbeaker/rest';
import { z } from 'zod';
import {
  GitlabAuthError,
  GitlabNotFoundError,
  GitlabRequestError,
  GitlabResponseError,
  GitlabTransientError,
  GitlabUnreachableError,
} from '../errors.js';

/** Failures on the way that a second try may not meet. */
const FLAKY_CODES = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** No connection at all: every request would fail the same way. What to check, by code. */
const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'nothing accepts connections at that address: check GITLAB_URL (host and port)',
  ENOTFOUND: 'the host name is unknown: check GITLAB_URL',
  EAI_AGAIN: 'the host name could not be resolved (DNS): check GITLAB_URL and the DNS settings',
  EHOSTUNREACH: 'the host cannot be reached: check GITLAB_URL and the network',
  ENETUNREACH: 'the network cannot be reached: check GITLAB_URL and the network',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out: check GITLAB_URL and any firewall on the way',
  ERR_SSL_WRONG_VERSION_NUMBER:
    'the server does not speak TLS on that port: GITLAB_URL probably says https:// where the server speaks http://',
  ERR_SSL_PACKET_LENGTH_TOO_LONG:
    'the server does not speak TLS on that port: GITLAB_URL probably says https:// where the server speaks http://',
  EPROTO:
    'the TLS handshake failed: check that GITLAB_URL has the right scheme (http:// or https://)',
  DEPTH_ZERO_SELF_SIGNED_CERT:
    'its TLS certificate is self-signed: give the CA with NODE_EXTRA_CA_CERTS=<file.pem>',
  SELF_SIGNED_CERT_IN_CHAIN:
    'its TLS certificate chain is not trusted: give the CA with NODE_EXTRA_CA_CERTS=<file.pem>',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    'its TLS certificate is not trusted: give the CA with NODE_EXTRA_CA_CERTS=<file.pem>',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    'its TLS certificate is not trusted: give the CA with NODE_EXTRA_CA_CERTS=<file.pem>',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID:
    'its TLS certificate is for another host name: use that name in GITLAB_URL',
};

/** What the caller was doing, so a 403 can say which role or scope it needs. */
export interface CallContext {
  what: string;
  /** E.g. "Maintainer on containers/poetry" or "the read_api scope". */
  needs?: string;
}

const OURS = [GitlabTransientError, GitlabAuthError, GitlabNotFoundError, GitlabRequestError];

/**
 * The only place that turns gitbeaker's, fetch's and zod's errors into ours:
 * whatever a call throws, what leaves the port is one of the port's errors.
 */
export function mapGitlabError(error: unknown, context: CallContext): Error {
  if (OURS.some((kind) => error instanceof kind)) return error as Error;
  if (error instanceof GitbeakerTimeoutError || isAbortOrTimeout(error)) {
    return new GitlabTransientError(
      `GitLab did not answer in time while ${context.what}`,
      undefined,
      undefined,
      { cause: error },
    );
  }
  if (error instanceof GitbeakerRequestError) return fromStatus(error, context);
  if (error instanceof z.ZodError) {
    const issue = error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'the answer';
    return new GitlabResponseError(
      `GitLab's answer was not what the bot reads while ${context.what} (${where}: ${issue?.message ?? 'unexpected'}); is GITLAB_URL a GitLab (15.9 or newer)?`,
      200,
      error.message.slice(0, 300),
      { cause: error },
    );
  }
  if (error instanceof SyntaxError) {
    return new GitlabResponseError(
      `GitLab answered with a body that is not JSON while ${context.what}`,
      200,
      error.message,
      { cause: error },
    );
  }
  const code = errorCode(error);
  if (code && UNREACHABLE[code]) {
    return new GitlabUnreachableError(
      `GitLab could not be reached while ${context.what} (${code}): ${UNREACHABLE[code]}`,
      code,
      { cause: error },
    );
  }
  if ((code && FLAKY_CODES.has(code)) || isFetchFailure(error)) {
    return new GitlabTransientError(
      `GitLab could not be reached while ${context.what} (${code ?? 'network error'})`,
      undefined,
      undefined,
      { cause: error },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new GitlabRequestError(`${context.what} failed: ${message}`, 0, message, {
    cause: error,
  });
}

function fromStatus(error: GitbeakerRequestError, context: CallContext): Error {
  const cause = error.cause as { response?: Response; description?: string } | undefined;
  const status = cause?.response?.status ?? 0;
  const description = cause?.description ?? error.message;
  if (status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(cause?.response?.headers.get('retry-after') ?? null);
    const asked =
      retryAfterMs === undefined ? '' : ` and asked to wait ${Math.round(retryAfterMs / 1000)} s`;
    return new GitlabTransientError(
      `GitLab answered ${status} while ${context.what}${asked}`,
      status,
      retryAfterMs,
      { cause: error },
    );
  }
  if (status === 401) {
    return new GitlabAuthError(
      `GitLab refused the token (401) while ${context.what}: check GITLAB_TOKEN; it may be expired or revoked, and it needs the api scope`,
      status,
      { cause: error },
    );
  }
  if (status === 403) {
    return new GitlabAuthError(
      `GitLab answered 403 Forbidden while ${context.what}: the bot's user needs ${context.needs ?? 'more rights'}`,
      status,
      { cause: error },
    );
  }
  if (status === 404) {
    return new GitlabNotFoundError(`${context.what}: not found (or not visible to the bot)`, {
      cause: error,
    });
  }
  return new GitlabRequestError(
    `GitLab answered ${status} while ${context.what}: ${description}`,
    status,
    description,
    { cause: error },
  );
}

function isAbortOrTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

function isFetchFailure(error: unknown): boolean {
  return error instanceof TypeError && /fetch failed|terminated/i.test(error.message);
}

/** The first error code along the cause chain (undici wraps the socket's error). */
function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (UNREACHABLE[code] || FLAKY_CODES.has(code))) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Retry-After in seconds or as an HTTP date, in milliseconds. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
