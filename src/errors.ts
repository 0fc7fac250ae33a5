/**
 * Named errors. Each says what went wrong in words a user can act on; the
 * adapters (config, patterns, gitlab) are the only places that create them.
 */

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    message: string,
    readonly setting?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** One problem in one pattern file: the path and the offending field. */
export interface PatternProblem {
  file: string;
  field: string;
  reason: string;
}

export class PatternLibraryError extends Error {
  override name = 'PatternLibraryError';
  constructor(readonly problems: PatternProblem[]) {
    super(
      `The pattern library has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` +
        problems.map((p) => `  ${p.file}: ${p.field}: ${p.reason}`).join('\n'),
    );
  }
}

/** 429, 5xx, timeouts, connection resets: try again in a later cycle. */
export class GitlabTransientError extends Error {
  override name = 'GitlabTransientError';
  constructor(
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * GitLab asked the bot to wait on this kind of request (429, or 503 with
 * Retry-After) and the wait is not over: refused without a request.
 */
export class GitlabPausedError extends GitlabTransientError {
  override name = 'GitlabPausedError';
}

/**
 * GitLab could not be reached at all (refused connection, unknown host, TLS
 * failure): every other request would fail the same way, so the cycle stops.
 */
export class GitlabUnreachableError extends GitlabTransientError {
  override name = 'GitlabUnreachableError';
  constructor(
    message: string,
    /** The system's code, e.g. ECONNREFUSED or ERR_SSL_WRONG_VERSION_NUMBER. */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, undefined, undefined, options);
  }
}

/** The request was ended because the bot is stopping. */
export class GitlabStoppedError extends GitlabTransientError {
  override name = 'GitlabStoppedError';
}

/** 401/403: a setup problem; the message names the scope or role missing. */
export class GitlabAuthError extends Error {
  override name = 'GitlabAuthError';
  constructor(
    message: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class GitlabNotFoundError extends Error {
  override name = 'GitlabNotFoundError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Any other answer from GitLab that the bot did not expect (400, 409, 422…). */
export class GitlabRequestError extends Error {
  override name = 'GitlabRequestError';
  constructor(
    message: string,
    readonly status: number,
    readonly description: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * GitLab answered, but not in the shape the bot reads (a field missing or of
 * another type, a body that is not JSON): a newer or older GitLab, or a proxy.
 */
export class GitlabResponseError extends GitlabRequestError {
  override name = 'GitlabResponseError';
}

/** GitLab refused a GraphQL query as too complex; a smaller one may pass. */
export class GitlabQueryTooComplexError extends GitlabRequestError {
  override name = 'GitlabQueryTooComplexError';
  constructor(
    message: string,
    /** GitLab's score of the refused query. */
    readonly complexity: number,
    /** The caller's limit. */
    readonly limit: number,
  ) {
    super(message, 200, `complexity ${complexity} over ${limit}`);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
