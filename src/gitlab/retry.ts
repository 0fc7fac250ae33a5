import {
  GitlabPausedError,
  GitlabStoppedError,
  GitlabTransientError,
  GitlabUnreachableError,
} from '../errors.js';

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  /**
   * The longest wait worth spending in place. A longer Retry-After pauses
   * that kind of request instead (see pauses.ts), and the error goes up.
   */
  maxDelayMs: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** A few quick tries: about 0.25 s, then 0.5 s, jittered. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 250, maxDelayMs: 5_000 };

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Whether trying again soon may help: a 5xx, a 429, a timeout or a reset
 * connection may; a pause, a stop or an unreachable GitLab will not.
 */
export function worthRetrying(error: unknown): error is GitlabTransientError {
  return (
    error instanceof GitlabTransientError &&
    !(error instanceof GitlabPausedError) &&
    !(error instanceof GitlabStoppedError) &&
    !(error instanceof GitlabUnreachableError)
  );
}

/**
 * Tries `call` again after a short jittered backoff, or after Retry-After
 * when GitLab said and it is short, while `retryable` says so.
 */
export async function withRetry<T>(
  call: () => Promise<T>,
  policy: RetryPolicy,
  retryable: (error: unknown) => boolean = worthRetrying,
  signal?: AbortSignal,
): Promise<T> {
  const sleep = policy.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!retryable(error) || attempt >= policy.attempts || signal?.aborted) throw error;
      const backoff = policy.baseDelayMs * 2 ** (attempt - 1);
      const jittered = backoff / 2 + Math.random() * (backoff / 2);
      const wait = (error as GitlabTransientError).retryAfterMs ?? jittered;
      if (wait > policy.maxDelayMs) throw error;
      await sleep(wait, signal);
    }
  }
}
