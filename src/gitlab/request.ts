import { GitlabNotFoundError, GitlabPausedError, GitlabResponseError } from '../errors.js';
import { mapGitlabError, type CallContext } from './map-error.js';
import { withRetry, worthRetrying, type RetryPolicy } from './retry.js';

/** One request's outcome, for metrics. */
export interface RequestEvent {
  /** What the bot was doing, e.g. `reading job 7`; holds ids, so never a metric label. */
  what: string;
  /** Whether the call may change GitLab: decided by the requester, not by wording. */
  kind: 'read' | 'write';
  /** The HTTP status, or how it failed without one. */
  status: number | 'error' | 'timeout';
  ms: number;
}

/**
 * Runs one call to GitLab. `read` retries transient failures and unreadable bodies; `write` only a
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
 * A read is asked again after what may pass: a transient error, or a body cut short or garbled
 * on the way (not JSON). An answer of the wrong shape is GitLab's own and would come again.
 */
const readAgain = (error: unknown) =>
  worthRetrying(error) ||
  (error instanceof GitlabResponseError && error.cause instanceof SyntaxError);

/**
 * The one way every call reaches GitLab (REST, GraphQL, log streams): timed,
 * reported to `onRequest`, its errors turned into the port's.
 */
export function createRequester(
  retry: RetryPolicy,
  onRequest?: (event: RequestEvent) => void,
  signal?: AbortSignal,
): Requester {
  async function once<T>(
    kind: RequestEvent['kind'],
    context: CallContext,
    call: () => Promise<T>,
  ): Promise<T> {
    const started = Date.now();
    try {
      const value = await call();
      onRequest?.({ what: context.what, kind, status: 200, ms: Date.now() - started });
      return value;
    } catch (error) {
      const mapped = mapGitlabError(error, context);
      // Held back by a pause: nothing was sent.
      if (mapped instanceof GitlabPausedError) throw mapped;
      const status = (mapped as { status?: number }).status;
      onRequest?.({
        what: context.what,
        kind,
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
    read: (context, call) => withRetry(() => once('read', context, call), retry, readAgain, signal),
    write: (context, call) =>
      withRetry(() => once('write', context, call), retry, rateLimited, signal),
  };
}
