import { GitbeakerRequestError, GitbeakerRetryError, GitbeakerTimeoutError } from '@gitbeaker/rest';
import {
  GitlabAuthError,
  GitlabNotFoundError,
  GitlabRequestError,
  GitlabTransientError,
} from '../errors.js';

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** What the caller was doing, so a 403 can say which role or scope it needs. */
export interface CallContext {
  what: string;
  /** E.g. "Maintainer on containers/poetry" or "the read_api scope". */
  needs?: string;
}

/** The only place that turns gitbeaker's and fetch's errors into ours. */
export function mapGitlabError(error: unknown, context: CallContext): Error {
  if (error instanceof GitbeakerTimeoutError) {
    return new GitlabTransientError(
      `GitLab did not answer in time while ${context.what}`,
      undefined,
      undefined,
      {
        cause: error,
      },
    );
  }
  if (error instanceof GitbeakerRetryError) {
    return new GitlabTransientError(
      `GitLab kept answering "too many requests" or "bad gateway" while ${context.what}`,
      429,
      undefined,
      { cause: error },
    );
  }
  if (error instanceof GitbeakerRequestError) {
    const cause = error.cause as { response?: Response; description?: string } | undefined;
    const status = cause?.response?.status ?? 0;
    const description = cause?.description ?? error.message;
    if (status === 429 || status >= 500) {
      return new GitlabTransientError(
        `GitLab answered ${status} while ${context.what}`,
        status,
        parseRetryAfter(cause?.response?.headers.get('retry-after') ?? null),
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
  const code = networkCode(error);
  if (code || (error instanceof TypeError && /fetch failed/i.test(error.message))) {
    return new GitlabTransientError(
      `GitLab could not be reached while ${context.what} (${code ?? 'network error'})`,
      undefined,
      undefined,
      { cause: error },
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
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
