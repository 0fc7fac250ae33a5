import { GitlabNotFoundError } from '../errors.js';
import { mapGitlabError, type CallContext } from './map-error.js';
import { withRetry, type RetryPolicy } from './retry.js';

/** One request's outcome, for metrics. */
export interface RequestEvent {
  what: string;
  status: number | 'error';
  ms: number;
}

/** Runs one call to GitLab; `read` retries transient failures, `write` never does. */
export interface Requester {
  read<T>(context: CallContext, call: () => Promise<T>): Promise<T>;
  write<T>(context: CallContext, call: () => Promise<T>): Promise<T>;
}

/**
 * The one way every call reaches GitLab (REST, GraphQL, log streams): timed,
 * reported to `onRequest`, its errors turned into the port's.
 */
export function createRequester(
  retry: RetryPolicy,
  onRequest?: (event: RequestEvent) => void,
): Requester {
  async function once<T>(context: CallContext, call: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      const value = await call();
      onRequest?.({ what: context.what, status: 200, ms: Date.now() - started });
      return value;
    } catch (error) {
      const mapped = mapGitlabError(error, context);
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
    read: (context, call) => withRetry(() => once(context, call), retry),
    write: once,
  };
}
