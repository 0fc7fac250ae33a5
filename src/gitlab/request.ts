import { GitlabNotFoundError, GitlabPausedError } from '../errors.js';
import { mapGitlabError, type CallContext } from './map-error.js';
import { withRetry, worthRetrying, type RetryPolicy } from './retry.js';

/** One request's outcome, for metrics. */
export interface RequestEvent {
  what: string;
  status: number | 'error';
  ms: number;
}

/**
 * Runs one call to GitLab. `read` retries transient failures; `write` only a
 * 429, which GitLab answers before doing anything (a 500 or a timeout may
 * have come after the change was made).
 */
export interface Requester {
  read<T>(context: CallContext, call: () => Promise<T>): Promise<T>;
  write<T>(context: CallContext, call: () => Promise<T>): Promise<T>;
}

const rateLimited = (error: unknown) =>
  worthRetrying(error) && (error as { status?: number }).status === 429;

/**
 * The one way every call reaches GitLab (REST, GraphQL, log streams): timed,
 * reported to `onRequest`, its errors turned into the port's.
 */
export function createRequester(
  retry: RetryPolicy,
  onRequest?: (event: RequestEvent) => void,
  signal?: AbortSignal,
): Requester {
  async function once<T>(context: CallContext, call: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      const value = await call();
      onRequest?.({ what: context.what, status: 200, ms: Date.now() - started });
      return value;
    } catch (error) {
      const mapped = mapGitlabError(error, context);
      // Held back by a pause: nothing was sent.
      if (mapped instanceof GitlabPausedError) throw mapped;
      const status = (mapped as { status?: number }).status;
      onRequest?.({
        what: context.what,
        status:
          typeof status === 'number'
            ? status
            : mapped instanceof GitlabNotFoundError
              ? 404
              : 'error',
        ms: Date.now() - started,
      });
      throw mapped;
    }
  }
  return {
    read: (context, call) => withRetry(() => once(context, call), retry, worthRetrying, signal),
    write: (context, call) => withRetry(() => once(context, call), retry, rateLimited, signal),
  };
}
